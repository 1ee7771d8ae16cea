"""Checkbox matrices end to end: a councillor lays out rows and columns, citizens tick any boxes of any
row with and without JavaScript and with the keyboard alone ("required" asks for one box at least), wrong
answers get a message, and the results page (a table per row, with intervals) and every export (a 1/0 column
per cell) agree with a count of what was sent; a checkbox matrix is not crossed in breakdowns."""
from __future__ import annotations

import random
import re
from collections import Counter
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from civic.surveys.models import ResultsVisibility
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.results import expected as x
from tests.results.html_tables import in_section, interval, number
from tests.support.checks import assert_valid_html
from tests.surveys.factories import add_question, make_survey
from tests.surveys.kinds.support import (
    answer_many,
    assert_accessible_at_every_width,
    assert_refused,
    close,
    exported,
    pages_of,
    personal_answers,
    respond,
    results_html,
    send_with_keyboard,
    shown_and_answered,
    statistics,
    tab_to,
    without_javascript,
)
from tests.surveys.support import stored_answers
from tests.surveys.test_builder import add, create_survey, load_survey

AREAS = ["Nervi", "Quarto", "Sturla"]
SERVICES = ["Biblioteca", "Wi-Fi", "Sala riunioni", "Parcheggio"]
LIKELY = {"Biblioteca": 0.5, "Wi-Fi": 0.3, "Sala riunioni": 0.15, "Parcheggio": 0.6}


@pytest.fixture
def town(in_db):
    """An open survey with public results: "what does each neighbourhood lack?" (a checkbox matrix) and "who
    are you?"; a councillor of the body."""

    def build():
        body = make_body("municipio-ix-levante", "Municipio IX Levante")
        survey = make_survey(make_consultation(body, slug="servizi-levante"), title="Servizi in Levante",
                             results_visibility=ResultsVisibility.WHILE_OPEN)
        grid = add_question(survey, "checkbox_matrix", "Che cosa manca in questi quartieri?", SERVICES,
                            rows=AREAS)
        role = add_question(survey, "single_choice", "Chi sei?", ["Cittadino", "Impresa"])
        make_user(email="consigliere@example.org", councillor_of=body)
        return SimpleNamespace(id=survey.id, grid=grid.id, rows={r.label: r.id for r in grid.rows},
                               columns={o.label: o.id for o in grid.options}, role=role.id,
                               roles={o.label: o.id for o in role.options})

    return in_db(build)


def _draw(rng: random.Random, town) -> tuple[set, dict]:
    """One respondent: (the (row, column) labels ticked; the form sent)."""
    ticked = set()
    if rng.random() < 0.85:
        ticked = {(area, service) for area in AREAS for service in SERVICES if rng.random() < LIKELY[service]}
    form = {f"q{town.grid}-r{town.rows[area]}": [str(town.columns[service]) for a, service in sorted(ticked)
                                                  if a == area] for area in AREAS}
    form[f"q{town.role}"] = str(town.roles[rng.choice(["Cittadino", "Impresa"])])
    return ticked, form


def test_the_results_and_exports_count_every_ticked_box(app, client, auth, town, tmp_path):
    ticks = respond(app, town, _draw, 40, seed=8)
    answered = sum(1 for ticked in ticks if ticked)
    cells = Counter(cell for ticked in ticks for cell in ticked)
    assert 0 < answered < 40

    html = results_html(client, town.id)
    assert shown_and_answered(html, town.grid) == (40, answered)
    found = in_section(html, f"question-{town.grid}")
    assert len(found) == len(AREAS)  # a table per row
    for table, area in zip(found, AREAS, strict=True):
        assert f"row “{area}”" in table.caption and "more than 100%" in table.caption
        assert table.rows[0] == ["Column", "Respondents", "Percent of those who answered",
                                 "95% confidence interval"]
        body = table.body()
        assert list(body) == SERVICES
        for service in SERVICES:
            count, share, shown = body[service]
            want = cells[(area, service)]
            low, high = interval(shown)
            want_low, want_high = x.wilson(want, answered)
            assert number(count) == want, (area, service)
            assert close(share, 100 * want / answered)
            assert close(low, 100 * want_low) and close(high, 100 * want_high)

    # Not offered for a breakdown, and refused when asked for.
    assert f'value="{town.grid}"' not in results_html(client, town.id, "results/breakdown")
    refused = client.get(f"/surveys/{town.id}/results/breakdown", query_string={"row": town.grid,
                                                                                "col": town.role})
    assert refused.status_code == 422

    # A 1/0 column per cell, empty when the question was not answered, in every format.
    auth.login("consigliere@example.org", PASSWORD)
    codes = [f"q1_r{i}_{j}" for i in range(1, len(AREAS) + 1) for j in range(1, len(SERVICES) + 1)]
    want = [[(1 if (area, service) in ticked else 0) if ticked else None for ticked in ticks]
            for area in AREAS for service in SERVICES]
    columns = exported(client, town.id, codes, tmp_path)
    assert columns["json"] == columns["xlsx"] == want
    assert columns["csv"] == columns["package"] == [["" if v is None else str(v) for v in c] for c in want]
    assert columns["titles"][1] == "1. Che cosa manca in questi quartieri? — Nervi — Wi-Fi"
    assert all(field["type"] == "integer" for field in columns["fields"])
    assert "row “Nervi”, column “Wi-Fi”" in columns["fields"][1]["description"]
    results = columns["results"]
    assert statistics(results, 1)["answered"] == answered
    for area in AREAS:
        for service in SERVICES:
            figures = statistics(results, 1, area, service)
            low, high = x.wilson(cells[(area, service)], answered)
            assert figures["count"] == cells[(area, service)]
            assert figures["percent"] == pytest.approx(100 * cells[(area, service)] / answered, abs=1e-4)
            assert (figures["ci_low"], figures["ci_high"]) == (pytest.approx(100 * low, abs=1e-4),
                                                               pytest.approx(100 * high, abs=1e-4))


def test_a_wrong_answer_gets_a_message_in_the_readers_language_and_nothing_is_stored(client, town, in_db,
                                                                                     subtests):
    row = f"q{town.grid}-r{town.rows['Quarto']}"
    cases = {  # sent in the row of Quarto
        "another question's option": (lambda: str(town.roles["Impresa"]),
                                      "Scegli una delle opzioni proposte.",
                                      "Choose one of the options shown."),
        "not an option": (lambda: "Wi-Fi", "Scegli una delle opzioni proposte.",
                          "Choose one of the options shown."),
        "no box, when required": (lambda: "", "Spunta almeno una casella.", "Tick at least one box."),
    }
    first = f"q{town.grid}-r{town.rows['Nervi']}-{town.columns['Biblioteca']}"
    assert_refused(client, in_db, subtests, town.id, town.grid, first, cases, field=row)


def test_a_councillor_lays_out_rows_and_columns_and_it_cannot_be_a_condition(client, auth, in_db, office):
    auth.login("consigliere@example.org")
    survey_id = create_survey(client, office.consultation_id)
    new = f"/manage/surveys/{survey_id}/questions/new?kind=checkbox_matrix"
    form = client.get(new).get_data(as_text=True)
    assert "<strong>Griglia di caselle (righe × colonne, più scelte per riga)</strong>" in form
    assert "in ogni riga si possono spuntare quante colonne si vuole" in form
    assert form.index('name="rows"') < form.index('name="options"')  # rows first, as in the radio matrix
    grid = add(client, survey_id, "checkbox_matrix", prompt="Che cosa manca?", required="y",
               rows="\n".join(AREAS), options="\n".join(SERVICES))
    structure = lambda: [([r.label for r in q.rows], [o.label for o in q.options])  # noqa: E731
                         for q in load_survey(survey_id).ordered_questions()]
    assert in_db(structure) == [(AREAS, SERVICES)]

    refused = client.post(f"/manage/surveys/{survey_id}/questions/{grid}", data={
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1),
        "prompt": "Che cosa manca?", "section": re.search(r'<option selected value="(\d+)">', form).group(1),
        "rows": "", "options": "Wi-Fi", "condition_option": "0", "condition_negate": "0"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Scrivi almeno una riga." in text and "Scrivi almeno due opzioni" in text
    assert in_db(structure) == [(AREAS, SERVICES)]

    later = client.get(f"/manage/surveys/{survey_id}/questions/new?kind=short_text").get_data(as_text=True)
    assert "Che cosa manca? →" not in later  # its boxes are not a condition's answer
    builder = client.get(f"/manage/surveys/{survey_id}").get_data(as_text=True)
    assert "Colonne: Biblioteca · Wi-Fi · Sala riunioni · Parcheggio" in builder
    assert "Righe: Nervi · Quarto · Sturla" in builder
    preview = client.get(f"/manage/surveys/{survey_id}/preview").get_data(as_text=True)
    assert preview.count('type="checkbox"') == len(AREAS) * len(SERVICES)
    assert "In ogni riga, spunta tutte le risposte che ti riguardano." in preview


def test_each_ticked_box_reads_as_row_and_column_in_the_persons_data(client, auth, in_db):
    def ticks(q):
        first, last = q.rows[0], q.rows[2]
        return {f"q{q.id}-r{first}": [q.option("Wi-Fi"), q.option("Biblioteca")],
                f"q{q.id}-r{last}": q.option("Parcheggio")}

    read = personal_answers(client, auth, in_db, "checkbox_matrix", "Che cosa manca?", SERVICES, rows=AREAS,
                            choose=ticks)
    assert read == [{"question": "Che cosa manca?", "row": "Nervi", "answer": "Biblioteca"},
                    {"question": "Che cosa manca?", "row": "Nervi", "answer": "Wi-Fi"},
                    {"question": "Che cosa manca?", "row": "Sturla", "answer": "Parcheggio"}]


@pytest.mark.html
def test_pages_with_checkbox_matrices_are_valid_html(client, auth, town, app):
    nervi = [str(town.columns["Wi-Fi"]), str(town.columns["Biblioteca"])]
    answered = {f"q{town.grid}-r{town.rows['Nervi']}": nervi}
    documents = pages_of(app, client, auth, town.id, town.grid, answered, None, "consigliere@example.org")
    assert_valid_html(documents)


@pytest.mark.browser
def test_a_citizen_ticks_boxes_with_the_keyboard_alone(live_server, page, town, in_db):
    page.goto(f"{live_server.url}/surveys/{town.id}")
    assert_accessible_at_every_width(page)
    box = lambda area, service: f"#q{town.grid}-r{town.rows[area]}-{town.columns[service]}"  # noqa: E731
    tab_to(page, box("Nervi", "Biblioteca"))
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # every box is a stop of its own
    expect(page.locator(box("Nervi", "Wi-Fi"))).to_be_focused()
    page.keyboard.press("Space")
    tab_to(page, box("Sturla", "Parcheggio"))
    page.keyboard.press("Space")
    page.keyboard.press("Space")  # unticked again
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")  # Sturla: Sala riunioni
    for ticked in (box("Nervi", "Biblioteca"), box("Nervi", "Wi-Fi"), box("Sturla", "Sala riunioni")):
        expect(page.locator(ticked)).to_be_checked()
    expect(page.locator(box("Sturla", "Parcheggio"))).not_to_be_checked()
    assert_accessible_at_every_width(page)
    send_with_keyboard(page)
    grid, rows, columns = town.grid, town.rows, town.columns
    assert in_db(stored_answers, town.id) == sorted([
        (grid, columns["Biblioteca"], rows["Nervi"], None, None, None),
        (grid, columns["Wi-Fi"], rows["Nervi"], None, None, None),
        (grid, columns["Sala riunioni"], rows["Sturla"], None, None, None)], key=repr)

    page.goto(f"{live_server.url}/surveys/{town.id}/results")
    assert_accessible_at_every_width(page)


@pytest.mark.browser
def test_without_javascript_the_boxes_are_ticked_and_sent(browser, live_server, town, in_db):
    with without_javascript(browser, f"{live_server.url}/surveys/{town.id}") as page:
        for area, service in (("Quarto", "Wi-Fi"), ("Quarto", "Parcheggio")):
            page.locator(f"label[for='q{town.grid}-r{town.rows[area]}-{town.columns[service]}']").click()
    assert in_db(stored_answers, town.id) == sorted([
        (town.grid, town.columns[service], town.rows["Quarto"], None, None, None)
        for service in ("Wi-Fi", "Parcheggio")], key=repr)


def test_the_stored_rows_are_one_per_ticked_box(in_db, town, app):
    answer_many(app, town.id, [{f"q{town.grid}-r{town.rows['Nervi']}": [str(town.columns["Wi-Fi"])] * 2}])
    # A box sent twice is one answer.
    assert in_db(stored_answers, town.id) == [
        (town.grid, town.columns["Wi-Fi"], town.rows["Nervi"], None, None, None)]
