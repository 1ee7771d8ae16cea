"""A survey shown one section per page (the councillor's setting): "Sezione 2 di 3" with a progress bar, the
answers of earlier pages carried along, each page checked on "next", a section whose condition is false
skipped, "back" keeping everything, the final submit storing once; all sections on one page on request."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import MultiDict

from civic.database import db
from civic.surveys.models import Survey
from tests.conftest import AuthActions, csrf_token, post_form
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.support.checks import assert_accessible, assert_valid_html
from tests.surveys.factories import add_question, add_section, make_survey, option, snapshot
from tests.surveys.support import counts, stored_answers


@pytest.fixture
def paged(in_db):
    """Three pages: "Chi sei?" (required) and "Quanti anni hai?"; a section only for who has a car; a last
    section with a comment. Shown one section per page."""

    def build():
        body = make_body("comune-di-genova", "Comune di Genova")
        survey = make_survey(make_consultation(body, title="Mobilità", slug="mobilita"),
                             title="La mobilità a Genova", paged=True)
        who = add_question(survey, "single_choice", "Chi sei?", ["Residente", "Pendolare"], required=True)
        age = add_question(survey, "number", "Quanti anni hai?", settings={"min": 0, "max": 120})
        car = add_question(survey, "yes_no", "Hai un'auto?", ["Sì", "No"], required=True)
        cars = add_section(survey, "La tua auto", condition=option(car, "Sì"))
        km = add_question(survey, "number", "Quanti km al giorno?", section=cars, required=True,
                          settings={"min": 0, "max": 1000})
        last = add_section(survey, "Commenti")
        comment = add_question(survey, "long_text", "Un commento?", section=last)
        user = make_user(email="citizen@example.org")
        councillor = make_user(email="consigliere@example.org", councillor_of=body)
        return SimpleNamespace(id=survey.id, who=snapshot(who), age=snapshot(age), car=snapshot(car),
                               km=snapshot(km), comment=snapshot(comment), sections=[s.id for s in
                               survey.ordered_sections()], user=user.email, councillor=councillor.email)

    return in_db(build)


def _send(client, survey_id: int, html: str, data: dict):
    """Send the page's form as a browser does: its hidden fields, then `data` (which includes the button)."""
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    form = [(name, value) for name, value in hidden if name != "csrf_token"]
    form += [(k, v) for k, values in data.items() for v in (values if isinstance(values, list) else [values])]
    form.append(("csrf_token", csrf_token(html)))
    return client.post(f"/surveys/{survey_id}", data=MultiDict(form))


def test_one_section_per_page_carries_the_answers_and_stores_once(client, paged, in_db):
    first = client.get(f"/surveys/{paged.id}")
    html = first.get_data(as_text=True)
    assert "Sezione 1 di 3" in html and '<progress' in html and 'max="3" value="1"' in html
    assert "Chi sei?" in html and "Quanti km" not in html and "Un commento" not in html
    assert 'value="back"' not in html  # nothing before the first page

    # "Next" checks this page only: the required question is missing.
    wrong = _send(client, paged.id, html, {"move": "next", f"q{paged.age.id}": "40"})
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Sezione 1 di 3" in text and "Rispondi a questa domanda" in text
    assert 'value="40"' in text  # what was typed stays

    # A car: the car section follows, with page 1's answers as hidden fields.
    data = {f"q{paged.who.id}": paged.who.option("Residente"), f"q{paged.age.id}": "40",
            f"q{paged.car.id}": paged.car.option("Sì")}
    second = _send(client, paged.id, text, {"move": "next", **data})
    html = second.get_data(as_text=True)
    assert second.status_code == 200 and "Sezione 2 di 3" in html and "Quanti km al giorno?" in html
    assert f'<input type="hidden" name="q{paged.age.id}" value="40">' in html
    assert "Chi sei?" not in html

    # Back to page 1 keeps page 2's answer; forward again shows it.
    back = _send(client, paged.id, html, {"move": "back", f"q{paged.km.id}": "12"})
    html = back.get_data(as_text=True)
    assert "Sezione 1 di 3" in html and f'<input type="hidden" name="q{paged.km.id}" value="12">' in html
    html = _send(client, paged.id, html, {"move": "next", **data}).get_data(as_text=True)
    assert "Sezione 2 di 3" in html and 'value="12"' in html
    third = _send(client, paged.id, html, {"move": "next", f"q{paged.km.id}": "12"})
    html = third.get_data(as_text=True)
    assert "Sezione 3 di 3" in html and 'value="send"' in html and "Invia le risposte" in html
    assert in_db(counts) == (0, 0, 0)  # nothing is stored before the final submit

    done = _send(client, paged.id, html, {"move": "send", f"q{paged.comment.id}": "Più autobus"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/thanks")
    stored = in_db(stored_answers, paged.id)
    assert (paged.km.id, None, None, None, 12.0, None) in stored
    assert (paged.comment.id, None, None, None, None, "Più autobus") in stored
    assert (paged.age.id, None, None, None, 40.0, None) in stored
    assert in_db(counts)[0] == 1 and in_db(counts)[2] == 1
    again = _send(client, paged.id, html, {"move": "send", f"q{paged.comment.id}": "Di nuovo"})
    assert again.status_code == 302 and in_db(counts)[0] == 1  # the ledger keeps it to one response


def test_a_section_whose_condition_is_false_is_skipped_and_its_answers_ignored(client, paged, in_db):
    html = client.get(f"/surveys/{paged.id}").get_data(as_text=True)
    data = {"move": "next", f"q{paged.who.id}": paged.who.option("Pendolare"),
            f"q{paged.car.id}": paged.car.option("No"),
            f"q{paged.km.id}": "99"}  # a forged answer to the car section
    html = _send(client, paged.id, html, data).get_data(as_text=True)
    assert "Sezione 3 di 3" in html and "Quanti km" not in html
    back = _send(client, paged.id, html, {"move": "back"}).get_data(as_text=True)
    assert "Sezione 1 di 3" in back  # "back" skips the car section too
    done = _send(client, paged.id, html, {"move": "send"})
    assert done.status_code == 302
    assert all(row[0] != paged.km.id for row in in_db(stored_answers, paged.id))


def test_a_forged_final_submit_returns_to_the_page_with_the_problem(client, paged, in_db):
    html = client.get(f"/surveys/{paged.id}").get_data(as_text=True)
    wrong = _send(client, paged.id, html, {"move": "send", f"q{paged.car.id}": paged.car.option("Sì"),
                                           f"q{paged.who.id}": paged.who.option("Residente")})
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Sezione 2 di 3" in text and "Quanti km al giorno?" in text
    assert in_db(counts) == (0, 0, 0)


def test_every_section_on_one_page_on_request_and_when_not_paged(client, paged, in_db):
    html = client.get(f"/surveys/{paged.id}?layout=all").get_data(as_text=True)
    assert "Sezione 1 di" not in html and "Quanti km al giorno?" in html and "Un commento?" in html
    assert 'name="layout" value="all"' in html
    wrong = _send(client, paged.id, html, {})
    assert wrong.status_code == 422 and "Un commento?" in wrong.get_data(as_text=True)  # still one page

    def unpage():
        db.session.get(Survey, paged.id).paged = False
        db.session.commit()

    in_db(unpage)
    html = client.get(f"/surveys/{paged.id}").get_data(as_text=True)
    assert "Sezione 1 di" not in html and "Un commento?" in html and 'name="layout"' not in html


def test_the_councillor_chooses_one_section_per_page_in_the_settings(client, auth, paged, in_db):
    auth.login(paged.councillor)
    page = client.get(f"/manage/surveys/{paged.id}/settings").get_data(as_text=True)
    assert "Una sezione per pagina" in page
    response = post_form(client, f"/manage/surveys/{paged.id}/settings", {
        "title": "La mobilità a Genova", "audience": "anyone", "anonymous": "y",
        "results_visibility": "after_close"})
    assert response.status_code == 302
    assert in_db(lambda: db.session.get(Survey, paged.id).paged) is False


def test_a_page_and_a_step_cost_the_same_whatever_the_page(app, paged, count_queries):
    client = app.test_client()
    client.get(f"/surveys/{paged.id}")
    with count_queries() as counter:
        html = client.get(f"/surveys/{paged.id}").get_data(as_text=True)
    # The survey with its consultation, sections, questions, options, matrix rows (5); the ledger (1).
    assert counter.count == 6, counter.statements
    data = {"move": "next", f"q{paged.who.id}": paged.who.option("Residente"),
            f"q{paged.car.id}": paged.car.option("Sì")}
    with count_queries() as counter:
        html = _send(client, paged.id, html, data).get_data(as_text=True)
    # The survey as an answer reads it (1; the first time in this process only: civic.surveys.structure keeps
    # it), then with its structure (5), the ledger (1).
    assert counter.count == 7, counter.statements
    with count_queries() as counter:
        _send(client, paged.id, html, {"move": "next", f"q{paged.km.id}": "3"})
    assert counter.count == 6, counter.statements


@pytest.mark.html
def test_the_pages_are_valid_html(client, paged):
    first = client.get(f"/surveys/{paged.id}").get_data(as_text=True)
    data = {f"q{paged.who.id}": paged.who.option("Residente"), f"q{paged.car.id}": paged.car.option("Sì")}
    second = _send(client, paged.id, first, {"move": "next", **data})
    errors = _send(client, paged.id, first, {"move": "next"})
    english = client.get(f"/surveys/{paged.id}?lang=en").get_data(as_text=True)
    assert "Section 1 of 3" in english
    assert_valid_html({"page 1": first, "page 2": second.get_data(as_text=True),
                       "errors": errors.get_data(as_text=True), "english": english})


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("javascript", [True, False])
def test_a_citizen_answers_page_by_page_in_the_browser(live_server, browser, paged, in_db, width, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/surveys/{paged.id}")
    expect(page.locator("#survey-progress-label")).to_have_text("Sezione 1 di 3")
    assert_accessible(page)
    page.get_by_role("button", name="Avanti").click()
    expect(page.get_by_text("Rispondi a questa domanda.").first).to_be_visible()
    page.locator(f"label[for='q{paged.who.id}-{paged.who.options['Residente']}']").click()
    page.locator(f"label[for='q{paged.car.id}-{paged.car.options['Sì']}']").click()
    page.get_by_role("button", name="Avanti").click()
    expect(page.locator("#survey-progress-label")).to_have_text("Sezione 2 di 3")
    page.locator(f"#q{paged.km.id}").fill("8")
    assert_accessible(page)
    page.get_by_role("button", name="Avanti").click()
    expect(page.locator("#survey-progress-label")).to_have_text("Sezione 3 di 3")
    page.get_by_role("button", name="Indietro").click()
    expect(page.locator(f"#q{paged.km.id}")).to_have_value("8")
    page.get_by_role("button", name="Avanti").click()
    page.locator(f"#q{paged.comment.id}").fill("Grazie")
    page.get_by_role("button", name="Invia le risposte").click()
    page.wait_for_url(re.compile(r"/thanks$"))
    stored = in_db(stored_answers, paged.id)
    assert (paged.km.id, None, None, None, 8.0, None) in stored
    context.close()


@pytest.mark.browser
def test_the_pages_pass_axe_in_english(live_server, page, paged):
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/surveys/{paged.id}?lang=en")
    expect(page.locator("#survey-progress-label")).to_have_text("Section 1 of 3")
    assert_accessible(page)
    page.goto(f"{live_server.url}/surveys/{paged.id}?layout=all")
    assert_accessible(page)


def test_the_final_submit_costs_what_a_one_page_submit_costs(app, paged, count_queries, in_db):
    client = app.test_client()
    html = client.get(f"/surveys/{paged.id}?layout=all").get_data(as_text=True)
    data = {f"q{paged.who.id}": paged.who.option("Residente"), f"q{paged.car.id}": paged.car.option("No"),
            "move": "send"}
    with count_queries() as counter:
        assert _send(client, paged.id, html, data).status_code == 302
    # As tests/surveys/test_queries.py: the survey, its questions and options (first time in the process),
    # the ledger and the held response (one statement on PostgreSQL), the batch of one released.
    assert counter.count == (8 if in_db(lambda: db.engine.dialect.name) == "postgresql" else 9), \
        counter.statements


def test_a_signed_in_submit_adds_only_the_draft_deletion(app, paged, count_queries, in_db):
    client = app.test_client()
    AuthActions(client).login(paged.user)
    html = client.get(f"/surveys/{paged.id}?layout=all").get_data(as_text=True)
    data = {f"q{paged.who.id}": paged.who.option("Residente"), f"q{paged.car.id}": paged.car.option("No"),
            "move": "send"}
    with count_queries() as counter:
        assert _send(client, paged.id, html, data).status_code == 302
    # On PostgreSQL the deletion is a part of the statement that writes the ledger and the held response.
    deletes = [s for s in counter.statements if "DELETE FROM SURVEY_DRAFTS" in s.upper()]
    assert len(deletes) == 1, counter.statements
