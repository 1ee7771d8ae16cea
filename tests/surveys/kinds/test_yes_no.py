"""Yes/no questions end to end: a councillor adds one (no options to write: the kind makes "Sì" and "No"), a
later question can depend on "yes", citizens answer with and without JavaScript and with the keyboard alone,
wrong answers get a message, and the results page, the breakdown and every export agree with a count of what
was sent."""
from __future__ import annotations

import random
import re
from collections import Counter
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from civic.accounts import queries as account_queries
from civic.database import db, utcnow
from civic.surveys import kinds
from civic.surveys.models import Audience, Question, ResultsVisibility, Survey
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.results import expected as x
from tests.results.html_tables import tables
from tests.support.checks import assert_valid_html
from tests.surveys.factories import add_question, make_survey, option
from tests.surveys.kinds.support import (
    answer_many,
    assert_accessible_at_every_width,
    choice_rows,
    close,
    csv_lines,
    data_package,
    json_lines,
    results_html,
    shown_and_answered,
    statistics,
    tab_to,
    xlsx_lines,
)
from tests.surveys.support import answer, counts, stored_answers
from tests.surveys.test_builder import add, create_survey, load_survey

ROLES = ["Cittadino", "Impresa", "Associazione"]


@pytest.fixture
def town(in_db):
    """An open survey whose results are public while it runs: "would you use it?" (yes/no), "who are you?"
    and "why?", asked only of those who said yes; a councillor of the body and a citizen."""

    def build():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        survey = make_survey(make_consultation(body, slug="coworking-novi"), title="Il coworking",
                             results_visibility=ResultsVisibility.WHILE_OPEN)
        use = add_question(survey, "yes_no", "Useresti uno spazio di coworking?", ["Sì", "No"])
        role = add_question(survey, "single_choice", "Chi sei?", ROLES)
        why = add_question(survey, "short_text", "Perché?", condition=option(use, "Sì"))
        make_user(email="consigliere@example.org", councillor_of=body)
        make_user(email="citizen@example.org")
        return SimpleNamespace(id=survey.id, use=use.id, yes=option(use, "Sì").id, no=option(use, "No").id,
                               role=role.id, roles={o.label: o.id for o in role.options}, why=why.id)

    return in_db(build)


def _draw(rng: random.Random, town) -> tuple[dict, dict]:
    """One respondent: (what they mean, as labels; the form they send)."""
    meant, form = {}, {}
    if rng.random() < 0.9:
        meant["use"] = rng.choices(["Sì", "No"], [60, 40])[0]
        form[f"q{town.use}"] = str(town.yes if meant["use"] == "Sì" else town.no)
    if rng.random() < 0.85:
        meant["role"] = rng.choices(ROLES, [60, 30, 10])[0]
        form[f"q{town.role}"] = str(town.roles[meant["role"]])
    why = rng.choice(["Per lavorare vicino a casa", "Per conoscere gente"])
    form[f"q{town.why}"] = why  # sent by everyone: kept only when the question was shown
    if meant.get("use") == "Sì":
        meant["why"] = why
    return meant, form


def test_the_results_breakdown_and_exports_count_what_was_sent(app, client, auth, town, tmp_path):
    rng = random.Random(3)
    drawn = [_draw(rng, town) for _ in range(45)]
    answer_many(app, town.id, [form for _meant, form in drawn])
    meant = [m for m, _form in drawn]
    answered = [m["use"] for m in meant if "use" in m]
    counted = Counter(answered)

    html = results_html(client, town.id)
    assert shown_and_answered(html, town.use) == (45, len(answered))
    assert shown_and_answered(html, town.why) == (counted["Sì"], sum(1 for m in meant if "why" in m))
    rows = choice_rows(html, town.use)
    assert list(rows) == ["Sì", "No"]
    for label in ("Sì", "No"):
        count, share, (low, high) = rows[label]
        want_low, want_high = x.wilson(counted[label], len(answered))
        assert count == counted[label]
        assert close(share, 100 * count / len(answered))
        assert close(low, 100 * want_low) and close(high, 100 * want_high)

    auth.login("consigliere@example.org", PASSWORD)
    # Crossed with "who are you?": the councillors' exact table.
    breakdown = results_html(client, town.id, "results/breakdown", row=town.use, col=town.role)
    (table,) = [t for t in tables(breakdown) if t.id == "breakdown"]
    crossed = Counter((m["use"], m["role"]) for m in meant if "use" in m and "role" in m)
    assert table.rows[0][1:4] == ROLES
    for i, label in enumerate(["Sì", "No"], start=1):
        assert table.rows[i][0] == label
        assert [int(cell) for cell in table.rows[i][1:4]] == [crossed[(label, role)] for role in ROLES]

    # One column: the answer's label, empty when not answered; the same in every format.
    want = [m.get("use") for m in meant]
    assert [line["q1"] for line in json_lines(client, town.id)] == want
    lines = csv_lines(client, town.id)
    assert lines[0][3] == "1. Useresti uno spazio di coworking?"
    assert [line[3] for line in lines[1:]] == [value or "" for value in want]
    assert [line[3] for line in xlsx_lines(client, town.id)[1:]] == want
    descriptor, responses, results = data_package(client, town.id, tmp_path)
    field = descriptor["resources"][0]["schema"]["fields"][3]
    assert (field["name"], field["type"]) == ("q1", "string") and "(yes or no)" in field["description"]
    assert [line["q1"] for line in responses] == [value or "" for value in want]
    for label in ("Sì", "No"):
        figures = statistics(results, 1, label)
        low, high = x.wilson(counted[label], len(answered))
        assert figures["count"] == counted[label]
        assert figures["percent"] == pytest.approx(100 * counted[label] / len(answered), abs=1e-4)
        assert (figures["ci_low"], figures["ci_high"]) == (pytest.approx(100 * low, abs=1e-4),
                                                           pytest.approx(100 * high, abs=1e-4))
    assert statistics(results, 1)["answered"] == len(answered)


WRONG = {
    # name: (form value of the yes/no question, Italian message, English message)
    "both answers": (lambda t: [str(t.yes), str(t.no)], "Scegli una sola opzione.",
                     "Choose only one option."),
    "another question's option": (lambda t: str(t.roles["Impresa"]), "Scegli una delle opzioni proposte.",
                                  "Choose one of the options shown."),
    "not an option": (lambda t: "sì", "Scegli una delle opzioni proposte.",
                      "Choose one of the options shown."),
    "nothing, when required": (lambda t: "", "Rispondi a questa domanda.", "Answer this question."),
}


def test_a_wrong_answer_gets_a_message_in_the_readers_language_and_nothing_is_stored(client, town, in_db,
                                                                                     subtests):
    def make_it_required():
        db.session.get(Question, town.use).required = True
        db.session.get(Survey, town.id).updated_at = utcnow()  # a new version of the questions
        db.session.commit()

    in_db(make_it_required)
    for case, (value, italian, english) in WRONG.items():
        for lang, message in (("it", italian), ("en", english)):
            with subtests.test(f"{case} ({lang})"):
                browser = client.application.test_client()
                browser.get(f"/surveys/{town.id}?lang={lang}")
                response = answer(browser, town.id, {f"q{town.use}": value(town)})
                html = response.get_data(as_text=True)
                assert response.status_code == 422
                error = re.search(rf'id="q{town.use}-error"[^>]*>(.*?)</p>', html, re.S).group(1)
                assert message in error
                assert f'<a href="#q{town.use}-{town.yes}">' in html  # the summary links to "yes"
                assert in_db(counts) == (0, 0, 0)


def test_a_councillor_adds_one_without_writing_options_and_a_question_depends_on_yes(client, auth, in_db):
    def office():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        make_user(email="consigliere@example.org", councillor_of=body)
        return make_consultation(body, slug="coworking-novi").id

    consultation_id = in_db(office)
    auth.login("consigliere@example.org")
    survey_id = create_survey(client, consultation_id)
    form = client.get(f"/manage/surveys/{survey_id}/questions/new?kind=yes_no").get_data(as_text=True)
    assert "<strong>Sì o no</strong>" in form and 'name="options"' not in form
    use = add(client, survey_id, "yes_no", prompt="Useresti uno spazio di coworking?", required="y")
    options = lambda question_id: [(o.id, o.label) for o in db.session.get(Question, question_id).options]  # noqa
    made = in_db(options, use)
    assert [label for _id, label in made] == ["Sì", "No"]

    # "Show only if yes" is offered and kept.
    choices = client.get(f"/manage/surveys/{survey_id}/questions/new?kind=long_text").get_data(as_text=True)
    assert f'<option value="{made[0][0]}">1. Useresti uno spazio di coworking? → Sì</option>' in choices
    why = add(client, survey_id, "long_text", prompt="Perché?", condition_option=str(made[0][0]))
    assert in_db(lambda: db.session.get(Question, why).condition_option_id) == made[0][0]

    # Made in English, the options are in English; edited in English later, Italian ones stay as they are.
    client.get("/?lang=en")
    english = add(client, survey_id, "yes_no", prompt="Would you help?")
    assert [label for _id, label in in_db(options, english)] == ["Yes", "No"]
    edit = f"/manage/surveys/{survey_id}/questions/{use}"
    html = client.get(edit).get_data(as_text=True)
    assert 'name="options"' not in html and "<strong>Yes or no</strong>" in html
    section = re.search(r'<option selected value="(\d+)">', html).group(1)
    saved = client.post(edit, data={"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
                                    .group(1), "prompt": "Useresti il coworking?", "section": section,
                                    "required": "y", "condition_option": "0", "condition_negate": "0"})
    assert saved.status_code == 302
    assert in_db(options, use) == made

    builder = client.get(f"/manage/surveys/{survey_id}").get_data(as_text=True)
    assert "· Yes or no" in builder and "Options: Sì · No" in builder
    preview = client.get(f"/manage/surveys/{survey_id}/preview").get_data(as_text=True)
    assert f'id="q{use}-{made[0][0]}"' in preview
    assert "Answer only if you chose “Sì” in question 1." in preview
    checked = client.post(f"/manage/surveys/{survey_id}/preview", data={
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', preview).group(1)})
    assert checked.status_code == 422 and "Answer this question." in checked.get_data(as_text=True)
    assert [q.kind.name for q in in_db(load_survey, survey_id).ordered_questions()] == [
        "yes_no", "long_text", "yes_no"]


def test_a_named_answer_reads_as_its_label_in_the_persons_data(client, auth, in_db):
    def build():
        body = make_body()
        survey = make_survey(make_consultation(body), audience=Audience.REGISTERED, anonymous=False)
        question = add_question(survey, "yes_no", "Useresti il coworking?", ["Sì", "No"])
        user = make_user(email="citizen@example.org")
        return survey.id, question.id, option(question, "Sì").id, user.id

    survey_id, question_id, yes, user_id = in_db(build)
    auth.login("citizen@example.org")
    assert answer(client, survey_id, {f"q{question_id}": str(yes)}).status_code == 302
    rows = in_db(lambda: [dict(row) for row in db.session.execute(account_queries.named_answers(user_id))
                          .mappings()])
    assert [kinds.of("yes_no").personal_answer(row) for row in rows] == [
        {"question": "Useresti il coworking?", "answer": "Sì"}]


def test_pages_with_yes_no_questions_are_valid_html(client, auth, town, app):
    citizen = app.test_client()
    documents = {"survey": citizen.get(f"/surveys/{town.id}").get_data(as_text=True),
                 "survey, errors": answer(citizen, town.id, {f"q{town.use}": "x"}).get_data(as_text=True)}
    answer_many(app, town.id, [{f"q{town.use}": str(town.yes), f"q{town.role}": str(town.roles["Impresa"])}])
    documents["results"] = citizen.get(f"/surveys/{town.id}/results").get_data(as_text=True)
    auth.login("consigliere@example.org", PASSWORD)
    documents["breakdown"] = client.get(f"/surveys/{town.id}/results/breakdown?row={town.use}&col={town.role}"
                                        ).get_data(as_text=True)
    documents["new question"] = client.get(f"/manage/surveys/{town.id}/questions/new?kind=yes_no"
                                           ).get_data(as_text=True)
    assert_valid_html(documents)


@pytest.mark.browser
def test_a_citizen_answers_with_the_keyboard_alone(live_server, page, town, in_db):
    page.goto(f"{live_server.url}/surveys/{town.id}")
    assert_accessible_at_every_width(page)
    why = page.locator(f"#question-{town.why}")
    expect(why).to_be_hidden()  # until "yes"

    tab_to(page, f"#q{town.use}-{town.yes}")  # the group's first radio button
    page.keyboard.press("Space")
    expect(page.locator(f"#q{town.use}-{town.yes}")).to_be_checked()
    expect(why).to_be_visible()
    page.keyboard.press("ArrowRight")  # within the group, the arrows move the choice: now "no"
    expect(page.locator(f"#q{town.use}-{town.no}")).to_be_checked()
    expect(why).to_be_hidden()
    page.keyboard.press("ArrowLeft")
    expect(why).to_be_visible()
    tab_to(page, f"#q{town.role}-{town.roles['Cittadino']}")
    page.keyboard.press("ArrowDown")  # "Impresa"
    tab_to(page, f"#q{town.why}")
    page.keyboard.type("Per lavorare vicino a casa")
    assert_accessible_at_every_width(page)
    tab_to(page, "#survey-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/thanks$"))
    assert in_db(stored_answers, town.id) == sorted([
        (town.use, town.yes, None, None, None, None),
        (town.role, town.roles["Impresa"], None, None, None, None),
        (town.why, None, None, None, None, "Per lavorare vicino a casa")], key=repr)

    page.goto(f"{live_server.url}/surveys/{town.id}/results")
    assert_accessible_at_every_width(page)


@pytest.mark.browser
def test_without_javascript_every_question_shows_and_the_condition_is_kept(browser, live_server, town, in_db):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/surveys/{town.id}")
        expect(page.locator(f"#question-{town.why}")).to_be_visible()
        expect(page.get_by_text("Rispondi solo se hai scelto «Sì» nella domanda 1.")).to_be_visible()
        page.locator(f"label[for='q{town.use}-{town.no}']").click()
        page.locator(f"#q{town.why}").fill("Non mi serve")  # shown, but its condition is false
        page.get_by_role("button", name="Invia le risposte").click()
        page.wait_for_url(re.compile(r"/thanks$"))
    finally:
        context.close()
    assert in_db(stored_answers, town.id) == [(town.use, town.no, None, None, None, None)]

