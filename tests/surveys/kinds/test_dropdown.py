"""Drop-down lists end to end: a councillor lists a town's neighbourhoods (more than the 50 options of other
kinds, at most 200), a later question can depend on one of them, citizens choose with and without JavaScript
and with the keyboard alone, wrong answers get a message, and the results page, the breakdown and every export
agree with a count of what was sent."""
from __future__ import annotations

import random
import re
from collections import Counter
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from civic.database import db
from civic.surveys.models import Question, ResultsVisibility
from tests.conftest import csrf_token
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.support.checks import assert_valid_html
from tests.surveys.factories import add_question, make_survey, option, snapshot
from tests.surveys.kinds.support import (
    answer_many,
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
from tests.surveys.support import answer, stored_answers
from tests.surveys.test_builder import add, create_survey

# The neighbourhoods of Genova's Municipio IX Levante and around (an apostrophe included, on purpose).
AREAS = ["Apparizione", "Borgoratti", "Nervi", "Quarto", "Quinto", "Sant'Ilario", "Sturla", "Albaro",
         "San Martino", "Castelletto", "Foce", "Marassi", "Quezzi", "San Fruttuoso", "Staglieno"]
ROLES = ["Cittadino", "Impresa"]


@pytest.fixture
def town(in_db):
    """An open survey with public results: "where do you live?" (a drop-down list), "who are you?" and a
    question about Nervi's library asked only of people from Nervi; a councillor of the body."""

    def build():
        body = make_body("municipio-ix-levante", "Municipio IX Levante")
        survey = make_survey(make_consultation(body, slug="coworking-levante"),
                             title="Il coworking in Levante", results_visibility=ResultsVisibility.WHILE_OPEN)
        area = add_question(survey, "dropdown", "In quale quartiere vivi?", AREAS)
        role = add_question(survey, "single_choice", "Chi sei?", ROLES)
        library = add_question(survey, "short_text", "Che cosa manca alla biblioteca di Nervi?",
                               condition=option(area, "Nervi"))
        make_user(email="consigliere@example.org", councillor_of=body)
        return SimpleNamespace(id=survey.id, area=area.id, areas={o.label: o.id for o in area.options},
                               role=role.id, roles={o.label: o.id for o in role.options}, library=library.id)

    return in_db(build)


def _draw(rng: random.Random, town) -> tuple[dict, dict]:
    meant, form = {}, {}
    if rng.random() < 0.9:
        meant["area"] = rng.choices(AREAS, [3, 2, 8, 4, 4, 2, 3, 1, 1, 1, 1, 1, 1, 1, 0])[0]
        form[f"q{town.area}"] = str(town.areas[meant["area"]])
    else:
        form[f"q{town.area}"] = ""  # left on "choose"
    if rng.random() < 0.8:
        meant["role"] = rng.choice(ROLES)
        form[f"q{town.role}"] = str(town.roles[meant["role"]])
    form[f"q{town.library}"] = "Più posti a sedere"
    if meant.get("area") == "Nervi":
        meant["library"] = "Più posti a sedere"
    return meant, form


def test_the_results_breakdown_and_exports_count_what_was_sent(app, client, auth, town, tmp_path):
    meant = respond(app, town, _draw, 50, seed=5)
    answered = [m["area"] for m in meant if "area" in m]
    counted = Counter(answered)

    html = results_html(client, town.id)
    assert shown_and_answered(html, town.area) == (50, len(answered))
    assert shown_and_answered(html, town.library) == (counted["Nervi"], counted["Nervi"])
    assert_choice_figures(html, town.area, AREAS, counted, len(answered))  # every option, even unchosen

    auth.login("consigliere@example.org", PASSWORD)
    table = breakdown_rows(client, town.id, town.role, town.area)
    crossed = Counter((m["role"], m["area"]) for m in meant if "area" in m and "role" in m)
    assert table[0][1:len(AREAS) + 1] == AREAS
    for i, role in enumerate(ROLES, start=1):
        assert table[i][0] == role
        assert [int(cell) for cell in table[i][1:len(AREAS) + 1]] == [crossed[(role, area)] for area in AREAS]

    want = [m.get("area") for m in meant]
    columns = exported(client, town.id, ["q1"], tmp_path)
    assert columns["json"] == columns["xlsx"] == [want]
    assert columns["csv"] == columns["package"] == [[value or "" for value in want]]
    assert columns["fields"][0]["type"] == "string"
    assert "(drop-down list)" in columns["fields"][0]["description"]
    assert_choice_statistics(columns["results"], 1, AREAS, counted, len(answered))


WRONG = {
    # name: (form value of the drop-down list, Italian message, English message)
    "two choices": (lambda t: [str(t.areas["Nervi"]), str(t.areas["Quarto"])], "Scegli una sola opzione.",
                    "Choose only one option."),
    "another question's option": (lambda t: str(t.roles["Impresa"]), "Scegli una delle opzioni proposte.",
                                  "Choose one of the options shown."),
    "a name, not an option": (lambda t: "Nervi", "Scegli una delle opzioni proposte.",
                              "Choose one of the options shown."),
    "left on choose, when required": (lambda t: "", "Rispondi a questa domanda.", "Answer this question."),
}


def test_a_wrong_answer_gets_a_message_in_the_readers_language_and_nothing_is_stored(client, town, in_db,
                                                                                     subtests):
    cases = {case: (lambda value=value: value(town), italian, english)
             for case, (value, italian, english) in WRONG.items()}
    assert_refused(client, in_db, subtests, town.id, town.area, f"q{town.area}", cases)
    # The list itself is marked, and keeps what was chosen.
    both = [str(town.areas["Nervi"]), str(town.areas["Quarto"])]
    html = answer(client, town.id, {f"q{town.area}": both}).get_data(as_text=True)
    marked = rf'<select class="form-select is-invalid" id="q{town.area}"[^>]*aria-invalid="true"'
    assert re.search(marked, html)
    assert f'<option value="{town.areas["Nervi"]}" selected>Nervi</option>' in html


def test_a_councillor_lists_up_to_200_options_and_a_question_depends_on_one(client, auth, in_db, office):
    auth.login("consigliere@example.org")
    survey_id = create_survey(client, office.consultation_id)
    page = f"/manage/surveys/{survey_id}/questions/new?kind=dropdown"
    form = client.get(page).get_data(as_text=True)
    assert "<strong>Elenco a discesa (una scelta da un elenco lungo)</strong>" in form
    assert 'name="options"' in form and 'name="has_other"' not in form
    section = re.search(r'<option selected value="(\d+)">', form).group(1)
    streets = [f"Via numero {n}" for n in range(1, 202)]
    for lines, message in ((streets, "Al massimo 200 righe."), (["Nervi"], "Scrivi almeno due opzioni"),
                           (["Nervi", "nervi"], "Ogni riga deve essere diversa dalle altre.")):
        refused = client.post(page, data={"csrf_token": csrf_token(form), "prompt": "Dove?",
                                          "section": section, "options": "\n".join(lines),
                                          "condition_option": "0", "condition_negate": "0"})
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    area = add(client, survey_id, "dropdown", prompt="In quale via abiti?", options="\n".join(streets[:200]))
    labels = in_db(lambda: [o.label for o in db.session.get(Question, area).options])
    assert labels == streets[:200]

    nervi = add(client, survey_id, "dropdown", prompt="In quale quartiere vivi?", options="\n".join(AREAS))
    nervi_id = in_db(lambda: option(db.session.get(Question, nervi), "Nervi").id)
    choices = client.get(f"/manage/surveys/{survey_id}/questions/new?kind=short_text").get_data(as_text=True)
    assert f'<option value="{nervi_id}">2. In quale quartiere vivi? → Nervi</option>' in choices
    library = add(client, survey_id, "short_text", prompt="La biblioteca?", condition_option=str(nervi_id))
    assert in_db(lambda: db.session.get(Question, library).condition_option_id) == nervi_id

    edit = client.get(f"/manage/surveys/{survey_id}/questions/{nervi}").get_data(as_text=True)
    assert "\n".join(AREAS).replace("'", "&#39;") + "</textarea>" in edit
    preview = client.get(f"/manage/surveys/{survey_id}/preview").get_data(as_text=True)
    assert '<option value="">Scegli…</option>' in preview
    assert f'<option value="{nervi_id}">Nervi</option>' in preview
    assert "Rispondi solo se hai scelto «Nervi» nella domanda 2." in preview


def test_a_named_answer_reads_as_its_label_in_the_persons_data(client, auth, in_db):
    read = personal_answers(client, auth, in_db, "dropdown", "In quale quartiere vivi?", AREAS,
                            choose=lambda q: {f"q{q.id}": q.option("Sant'Ilario")})
    assert read == [{"question": "In quale quartiere vivi?", "answer": "Sant'Ilario"}]


@pytest.mark.html
def test_pages_with_drop_down_lists_are_valid_html(client, auth, town, app):
    answered = {f"q{town.area}": str(town.areas["Nervi"]), f"q{town.role}": str(town.roles["Impresa"])}
    documents = pages_of(app, client, auth, town.id, town.area, answered, town.role,
                         "consigliere@example.org")
    assert_valid_html(documents)


@pytest.mark.browser
def test_a_citizen_chooses_with_the_keyboard_alone_and_the_condition_follows(live_server, page, town, in_db):
    page.goto(f"{live_server.url}/surveys/{town.id}")
    assert_accessible_at_every_width(page)
    library = page.locator(f"#question-{town.library}")
    expect(library).to_be_hidden()  # until "Nervi"

    area = page.locator(f"#q{town.area}")
    tab_to(page, f"#q{town.area}")
    expect(area).to_have_accessible_name("1. In quale quartiere vivi?")
    # On a closed list, the arrow keys move the choice (and the page hears the change).
    for _ in range(AREAS.index("Nervi") + 1):
        page.keyboard.press("ArrowDown")
    expect(area).to_have_value(str(town.areas["Nervi"]))
    expect(library).to_be_visible()
    page.keyboard.press("ArrowDown")  # "Quarto"
    expect(library).to_be_hidden()
    page.keyboard.press("ArrowUp")
    expect(library).to_be_visible()
    tab_to(page, f"#q{town.role}-{town.roles['Cittadino']}")
    page.keyboard.press("Space")
    tab_to(page, f"#q{town.library}")
    page.keyboard.type("Più posti a sedere")
    assert_accessible_at_every_width(page)
    send_with_keyboard(page)
    assert in_db(stored_answers, town.id) == sorted([
        (town.area, town.areas["Nervi"], None, None, None, None),
        (town.role, town.roles["Cittadino"], None, None, None, None),
        (town.library, None, None, None, None, "Più posti a sedere")], key=repr)

    page.goto(f"{live_server.url}/surveys/{town.id}/results")
    assert_accessible_at_every_width(page)


@pytest.mark.browser
def test_without_javascript_every_question_shows_and_the_condition_is_kept(browser, live_server, town, in_db):
    with without_javascript(browser, f"{live_server.url}/surveys/{town.id}") as page:
        expect(page.locator(f"#question-{town.library}")).to_be_visible()
        expect(page.get_by_text("Rispondi solo se hai scelto «Nervi» nella domanda 1.")).to_be_visible()
        page.locator(f"#q{town.area}").select_option(label="Quarto")
        page.locator(f"#q{town.library}").fill("Niente")  # shown, but its condition is false
    assert in_db(stored_answers, town.id) == [(town.area, town.areas["Quarto"], None, None, None, None)]


def test_a_public_breakdown_of_a_long_list_is_withheld_and_councillors_read_it(app, client, auth, in_db):
    """Protecting small cells of a 120 x 2 table would take minutes: the public page says so at once."""
    streets = [f"Via {n}" for n in range(1, 121)]

    def build():
        body = make_body()
        survey = make_survey(make_consultation(body), results_visibility=ResultsVisibility.WHILE_OPEN)
        street = add_question(survey, "dropdown", "In quale via?", streets)
        role = add_question(survey, "single_choice", "Chi sei?", ROLES)
        make_user(email="consigliere@example.org", councillor_of=body)
        return survey.id, snapshot(street), snapshot(role)

    survey_id, street, role = in_db(build)
    answer_many(app, survey_id, [{f"q{street.id}": street.option(streets[n % 7]),
                                  f"q{role.id}": role.option(who)} for n, who in enumerate(ROLES * 6)])
    public = results_html(client, survey_id, "results/breakdown", row=street.id, col=role.id)
    assert "too many answers for this breakdown to be checked for privacy" in public
    assert 'id="breakdown"' not in public
    auth.login("consigliere@example.org", PASSWORD)
    table = breakdown_rows(client, survey_id, street.id, role.id)
    assert len(table) == 1 + 120 + 1 and table[-1][0] == "Total"
    assert sum(int(row[-1]) for row in table[1:-1]) == 12
