"""Save and resume: a signed-in person saves the answers so far ("Salva e continua più tardi") and comes back
to the section they were on with what they wrote; the draft is theirs alone, in "download my data", and gone
when they send the survey or delete their account. Without an account there is no draft and no button."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from civic.database import db
from civic.surveys.models import SurveyDraft
from tests.browser.ui import log_in
from tests.conftest import AuthActions, csrf_token, post_form
from tests.factories import PASSWORD
from tests.support.checks import assert_accessible, assert_valid_html
from tests.surveys.support import counts, stored_answers
from tests.surveys.test_paging import _send, paged  # noqa: F401 (a fixture)


def _drafts() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(SurveyDraft.survey_id, SurveyDraft.user_id, SurveyDraft.section_id, SurveyDraft.answers))]


def test_a_signed_in_person_saves_and_resumes_where_they_were(client, auth, paged, in_db):  # noqa: F811
    auth.login(paged.user)
    html = client.get(f"/surveys/{paged.id}").get_data(as_text=True)
    assert "Salva e continua più tardi" in html
    data = {f"q{paged.who.id}": paged.who.option("Pendolare"), f"q{paged.car.id}": paged.car.option("Sì")}
    html = _send(client, paged.id, html, {"move": "next", **data}).get_data(as_text=True)
    assert "Sezione 2 di 3" in html
    # Half an answer on page 2 (not even valid yet: saving checks nothing), then "save".
    saved = _send(client, paged.id, html, {"move": "save", f"q{paged.km.id}": "tanti"})
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Le tue risposte sono salvate" in page
    [(survey_id, _user, section_id, answers)] = in_db(_drafts)
    assert survey_id == paged.id and section_id == paged.sections[1]
    assert [f"q{paged.km.id}", "tanti"] in answers and [f"q{paged.car.id}", paged.car.option("Sì")] in answers

    # Later (another browser, the same account): back on page 2, with everything.
    other = client.application.test_client()
    AuthActions(other).login(paged.user)
    html = other.get(f"/surveys/{paged.id}").get_data(as_text=True)
    assert "Sezione 2 di 3" in html and "Stai continuando con le risposte salvate il" in html
    assert 'value="tanti"' in html
    assert f'<input type="hidden" name="q{paged.who.id}" value="{paged.who.option("Pendolare")}">' in html
    html = _send(other, paged.id, html, {"move": "next", f"q{paged.km.id}": "7"}).get_data(as_text=True)
    assert "Sezione 3 di 3" in html
    assert in_db(_drafts)[0][2] == paged.sections[2]  # each page moves the draft along
    done = _send(other, paged.id, html, {"move": "send"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/thanks")
    assert in_db(_drafts) == []  # sent: the draft is gone
    assert (paged.km.id, None, None, None, 7.0, None) in in_db(stored_answers, paged.id)


def test_the_draft_is_in_my_data_and_goes_with_the_account(client, auth, paged, in_db):  # noqa: F811
    auth.login(paged.user)
    response = post_form(client, f"/surveys/{paged.id}?layout=all",
                         {"layout": "all", "move": "save", f"q{paged.comment.id}": "Da finire"},
                         action=f"/surveys/{paged.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("layout=all")
    page = client.get(f"/surveys/{paged.id}?layout=all").get_data(as_text=True)
    assert "Da finire</textarea>" in page and "Sezione 1 di" not in page
    assert "Risposte salvate dei questionari" in client.get("/account/data").get_data(as_text=True)
    document = json.loads(client.get("/account/data/download").get_data(as_text=True))
    text = json.dumps(document, ensure_ascii=False)
    assert "survey_drafts" in text and "Da finire" in text
    assert post_form(client, "/account/delete", {"current_password": PASSWORD, "confirm": "y"}
                     ).status_code == 302
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(SurveyDraft))) == 0


def test_without_an_account_there_is_no_draft(client, paged, in_db):  # noqa: F811
    html = client.get(f"/surveys/{paged.id}").get_data(as_text=True)
    assert "Salva e continua più tardi" not in html
    form = MultiDict([("csrf_token", csrf_token(html)), ("move", "save"), (f"q{paged.age.id}", "30")])
    response = client.post(f"/surveys/{paged.id}", data=form)
    assert response.status_code == 422  # read as a send: the required answers are missing
    assert in_db(_drafts) == [] and in_db(counts) == (0, 0, 0)
    assert "Le tue risposte sono salvate" not in response.get_data(as_text=True)


@pytest.mark.html
def test_the_signed_in_pages_are_valid_html(client, auth, paged):  # noqa: F811
    auth.login(paged.user)
    first = client.get(f"/surveys/{paged.id}").get_data(as_text=True)
    _send(client, paged.id, first, {"move": "save", f"q{paged.age.id}": "33"})
    resumed = client.get(f"/surveys/{paged.id}").get_data(as_text=True)
    assert "Stai continuando" in resumed
    assert_valid_html({"with the save button": first, "resumed": resumed,
                       "one page": client.get(f"/surveys/{paged.id}?layout=all").get_data(as_text=True)})


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_save_and_resume_in_the_browser(live_server, page, paged, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, paged.user)
    page.goto(f"{live_server.url}/surveys/{paged.id}")
    page.locator(f"#q{paged.age.id}").fill("52")
    page.get_by_role("button", name="Salva e continua più tardi").click()
    expect(page.locator(".civic-messages")).to_contain_text("Le tue risposte sono salvate")
    assert_accessible(page)
    page.goto(f"{live_server.url}/surveys/{paged.id}?lang=en")
    expect(page.get_by_text("You are continuing with the answers you saved on")).to_be_visible()
    expect(page.locator(f"#q{paged.age.id}")).to_have_value("52")
    assert_accessible(page)
