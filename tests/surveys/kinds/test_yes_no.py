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

from civic.database import db
from civic.surveys.models import Question, ResultsVisibility
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.support.checks import assert_valid_html
from tests.surveys.factories import add_question, make_survey, option
from tests.surveys.kinds.support import (
    assert_accessible_at_every_width,
    assert_choice_figures,
    assert_choice_statistics,
    assert_refused,
    breakdown_rows,
    exported,
    pages_of,
    personal_answers,
    respond,
    results_html,
    send_with_keyboard,
    shown_and_answered,
    tab_to,
    without_javascript,
)
from tests.surveys.support import stored_answers
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
    meant = respond(app, town, _draw, 45, seed=3)
    answered = [m["use"] for m in meant if "use" in m]
    counted = Counter(answered)

    html = results_html(client, town.id)
    assert shown_and_answered(html, town.use) == (45, len(answered))
    assert shown_and_answered(html, town.why) == (counted["Sì"], sum(1 for m in meant if "why" in m))
    assert_choice_figures(html, town.use, ["Sì", "No"], counted, len(answered))

    auth.login("consigliere@example.org", PASSWORD)
    # Crossed with "who are you?": the councillors' exact table.
    table = breakdown_rows(client, town.id, town.use, town.role)
    crossed = Counter((m["use"], m["role"]) for m in meant if "use" in m and "role" in m)
    assert table[0][1:4] == ROLES
    for i, label in enumerate(["Sì", "No"], start=1):
        assert table[i][0] == label
        assert [int(cell) for cell in table[i][1:4]] == [crossed[(label, role)] for role in ROLES]

    # One column: the answer's label, empty when not answered; the same in every format.
    want = [m.get("use") for m in meant]
    columns = exported(client, town.id, ["q1"], tmp_path)
    assert columns["json"] == columns["xlsx"] == [want]
    assert columns["csv"] == columns["package"] == [[value or "" for value in want]]
    assert columns["titles"] == ["1. Useresti uno spazio di coworking?"]
    assert columns["fields"][0]["type"] == "string" and "(yes or no)" in columns["fields"][0]["description"]
    assert_choice_statistics(columns["results"], 1, ["Sì", "No"], counted, len(answered))


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
    cases = {case: (lambda value=value: value(town), italian, english)
             for case, (value, italian, english) in WRONG.items()}
    assert_refused(client, in_db, subtests, town.id, town.use, f"q{town.use}-{town.yes}", cases)


def test_a_councillor_adds_one_without_writing_options_and_a_question_depends_on_yes(client, auth, in_db,
                                                                                    office):
    auth.login("consigliere@example.org")
    survey_id = create_survey(client, office.consultation_id)
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
    read = personal_answers(client, auth, in_db, "yes_no", "Useresti il coworking?", ["Sì", "No"],
                            choose=lambda q: {f"q{q.id}": q.option("Sì")})
    assert read == [{"question": "Useresti il coworking?", "answer": "Sì"}]


@pytest.mark.html
def test_pages_with_yes_no_questions_are_valid_html(client, auth, town, app):
    answered = {f"q{town.use}": str(town.yes), f"q{town.role}": str(town.roles["Impresa"])}
    documents = pages_of(app, client, auth, town.id, town.use, answered, town.role, "consigliere@example.org")
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
    send_with_keyboard(page)
    assert in_db(stored_answers, town.id) == sorted([
        (town.use, town.yes, None, None, None, None),
        (town.role, town.roles["Impresa"], None, None, None, None),
        (town.why, None, None, None, None, "Per lavorare vicino a casa")], key=repr)

    page.goto(f"{live_server.url}/surveys/{town.id}/results")
    assert_accessible_at_every_width(page)


@pytest.mark.browser
def test_without_javascript_every_question_shows_and_the_condition_is_kept(browser, live_server, town, in_db):
    with without_javascript(browser, f"{live_server.url}/surveys/{town.id}") as page:
        expect(page.locator(f"#question-{town.why}")).to_be_visible()
        expect(page.get_by_text("Rispondi solo se hai scelto «Sì» nella domanda 1.")).to_be_visible()
        page.locator(f"label[for='q{town.use}-{town.no}']").click()
        page.locator(f"#q{town.why}").fill("Non mi serve")  # shown, but its condition is false
    assert in_db(stored_answers, town.id) == [(town.use, town.no, None, None, None, None)]

