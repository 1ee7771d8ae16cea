"""Survey pages pass the W3C Nu HTML checker and axe-core (WCAG 2.1 AA) in Chromium, and a citizen answers in
the browser, with the conditional question appearing as they choose."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import MultiDict

from civic.database import db
from civic.surveys import queries, validation
from tests.browser.ui import log_in
from tests.conftest import post_form
from tests.support.checks import assert_accessible, assert_valid_html
from tests.surveys.factories import good_answers
from tests.surveys.support import answer, stored_answers


def _builder_pages(client, survey_id: int, q) -> dict[str, str]:
    base = f"/manage/surveys/{survey_id}"
    return {
        "manage list": client.get("/manage/surveys/").get_data(as_text=True),
        "new survey": client.get("/manage/surveys/new").get_data(as_text=True),
        "new survey, errors": post_form(client, "/manage/surveys/new", {"title": "", "audience": "anyone"}
                                        ).get_data(as_text=True),
        "builder": client.get(base).get_data(as_text=True),
        "settings": client.get(f"{base}/settings").get_data(as_text=True),
        "new matrix question": client.get(f"{base}/questions/new?kind=matrix").get_data(as_text=True),
        "edit scale question": client.get(f"{base}/questions/{q['interest'].id}").get_data(as_text=True),
        "edit question, errors": post_form(client, f"{base}/questions/{q['needs'].id}", {"prompt": "",
                                           "options": "a"}).get_data(as_text=True),
        "new section": client.get(f"{base}/sections/new").get_data(as_text=True),
        "preview": client.get(f"{base}/preview").get_data(as_text=True),
        "paper response": client.get(f"{base}/responses/new").get_data(as_text=True),
    }


@pytest.mark.html
def test_survey_and_builder_pages_are_valid_html(app, client, auth, novi):
    citizen = app.test_client()
    documents = {
        "survey": citizen.get(f"/surveys/{novi.id}").get_data(as_text=True),
        "survey, errors": answer(citizen, novi.id, {}).get_data(as_text=True),
        "list": citizen.get("/surveys/").get_data(as_text=True),
        "consultation": citizen.get("/consultations/coworking-novi-ligure/").get_data(as_text=True),
    }
    assert "Il coworking a Novi Ligure" in documents["consultation"]
    auth.login(novi.councillor)
    documents.update(_builder_pages(client, novi.id, novi.q))
    assert answer(citizen, novi.id, good_answers(novi.q)).status_code == 302
    documents["thanks"] = citizen.get(f"/surveys/{novi.id}/thanks").get_data(as_text=True)
    documents["already answered"] = citizen.get(f"/surveys/{novi.id}").get_data(as_text=True)
    documents["builder, locked"] = client.get(f"/manage/surveys/{novi.id}").get_data(as_text=True)
    assert "bloccate" in documents["builder, locked"]
    assert_valid_html(documents)


def _rows_of(survey_id: int, data: dict) -> list[tuple]:
    """The answer rows a submission of `data` makes, read by the server's own validation."""
    survey = db.session.scalar(queries.survey_with_structure(survey_id))
    form = MultiDict([(k, v) for k, values in data.items()
                      for v in (values if isinstance(values, list) else [values])])
    rows = validation.read_submission(survey, form).rows
    return sorted(((r["question_id"], r["option_id"], r["row_id"], r["rank"], r["number"], r["text"])
                   for r in rows), key=repr)


@pytest.mark.browser
def test_a_citizen_answers_in_the_browser_and_every_page_passes_axe(live_server, page, novi, in_db):
    q = novi.q
    page.goto(f"{live_server.url}/surveys/{novi.id}")
    assert_accessible(page)
    comments = page.locator(f"#question-{q['comments'].id}")
    expect(comments).to_be_hidden()  # shown only after "Sì", by surveys.js

    # Send it empty: the error summary takes the focus and links to each question.
    page.get_by_role("button", name="Invia le risposte").click()
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.locator("#form-errors a").first).to_have_text("Domanda 1")
    assert_accessible(page)

    def choose(input_id: str) -> None:
        page.locator(f"label[for='{input_id}']").click()  # Bootstrap Italia draws the box on the label

    page.locator(f"#q{q['name'].id}").fill("Giulia")
    choose(f"q{q['role'].id}-{q['role'].options['Imprenditore']}")
    choose(f"q{q['needs'].id}-{q['needs'].options['Wi-Fi']}")
    choose(f"q{q['needs'].id}-{q['needs'].options['Caffè']}")
    choose(f"q{q['interest'].id}-4")
    page.locator(f"#q{q['days'].id}").fill("12")
    page.locator(f"#q{q['start'].id}").fill("2015-03-01")
    page.get_by_role("button", name="Sposta su: Orari").click()  # the ranking's buttons fill the positions
    ranks = [page.get_by_label(label, exact=True).input_value() for label in ("Prezzo", "Orari", "Posizione")]
    assert ranks == ["2", "1", "3"]
    choose(f"q{q['rating'].id}-r{q['rating'].rows[0]}-{q['rating'].options['Bene']}")
    choose(f"q{q['rating'].id}-r{q['rating'].rows[1]}-{q['rating'].options['Male']}")
    choose(f"q{q['help'].id}-{q['help'].options['Sì']}")
    expect(comments).to_be_visible()
    page.locator(f"#q{q['comments'].id}").fill("Il sabato")
    choose(f"q{q['help'].id}-{q['help'].options['No']}")
    expect(comments).to_be_hidden()
    choose(f"q{q['help'].id}-{q['help'].options['Sì']}")
    assert page.locator(f"#q{q['comments'].id}").input_value() == "Il sabato"
    assert_accessible(page)
    page.get_by_role("button", name="Invia le risposte").click()
    page.wait_for_url(re.compile(r"/thanks$"))
    assert_accessible(page)

    # What the browser sent is what is stored (the same rows as the test client's submission).
    expected = {**good_answers(q), f"q{q['role'].id}": q["role"].option("Imprenditore"),
                f"q{q['comments'].id}": "Il sabato"}
    assert in_db(stored_answers, novi.id) == in_db(_rows_of, novi.id, expected)


@pytest.mark.browser
def test_builder_pages_pass_axe(live_server, page, novi):
    log_in(page, live_server.url, novi.councillor)
    base = f"{live_server.url}/manage/surveys/{novi.id}"
    for path in ("/manage/surveys/", "/manage/surveys/new"):
        page.goto(live_server.url + path)
        assert_accessible(page)
    for path in ("", "/settings", "/questions/new?kind=multiple_choice", f"/questions/{novi.q['rating'].id}",
                 "/sections/new", "/preview", "/responses/new"):
        page.goto(base + path)
        assert_accessible(page)
    page.goto(base + f"/questions/{novi.q['needs'].id}")
    page.get_by_label("Domanda", exact=True).fill("")
    page.get_by_role("button", name="Salva la domanda").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    assert_accessible(page)
