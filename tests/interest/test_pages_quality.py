"""Every interest page passes the W3C Nu HTML checker and axe-core (WCAG 2.1 AA) in Chromium, and a citizen
can declare with the keyboard."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.database import db, utcnow
from civic.interest.models import Declaration, Need, Role
from tests.browser.ui import log_in
from tests.conftest import post_form
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.interest.factories import generate, make_call, make_declaration
from tests.support.checks import assert_accessible, assert_valid_html


@pytest.fixture
def scene(in_app):
    with in_app():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, title="Uno spazio di coworking per Novi Ligure")
        call = make_call(consultation, title="Manifestazione di interesse: coworking comunale")
        generate(call, 40, seed=3, withdrawn=2)
        closed = make_call(consultation, title="Raccolta chiusa", opens_at=utcnow() - dt.timedelta(days=9),
                           closes_at=utcnow() - dt.timedelta(days=1))
        citizen = make_user(email="giulia@example.org", name="Giulia Rossi")
        make_declaration(closed, citizen, role=Role.BOTH, needs=[Need.CHILDCARE], contact_consent=True,
                         manager_offer="Eventi")
        return {"call": call.id, "closed": closed.id, "slug": consultation.slug, "citizen": citizen.email,
                "councillor": make_user(email="novi@example.org", councillor_of=body).email}


@pytest.mark.html
def test_pages_are_valid_html(client, auth, scene):
    call, closed = scene["call"], scene["closed"]
    get = lambda path: client.get(path).get_data(as_text=True)  # noqa: E731
    documents = {
        "list": get("/interest/"),
        "call, anonymous": get(f"/interest/{call}"),
        "summary": get(f"/interest/{call}/summary"),
        "summary, too few": get(f"/interest/{closed}/summary"),
        "consultation": get(f"/consultations/{scene['slug']}/"),
    }
    auth.login(scene["citizen"])
    documents["declaration form"] = get(f"/interest/{call}")
    documents["declaration errors"] = post_form(client, f"/interest/{call}", {"days_per_week": "9"}).get_data(
        as_text=True)
    post_form(client, f"/interest/{call}", {"role": "both", "profile": "student", "days_per_week": "2",
                                           "needs": ["hot_desk"], "area": "0", "budget": "nothing",
                                           "horizon": "now", "manager_experience": "Associazione studentesca",
                                           "notes": "Ciao"})
    documents["declaration, editing"] = get(f"/interest/{call}")
    post_form(client, f"/interest/{call}", {}, action=f"/interest/{call}/withdraw")
    documents["declaration, withdrawn"] = get(f"/interest/{call}")
    documents["declaration, closed call"] = get(f"/interest/{closed}")
    auth.logout()
    auth.login(scene["councillor"])
    documents["dashboard"] = get(f"/interest/{call}/results")
    documents["dashboard, empty"] = get(f"/interest/{closed}/results")
    documents["manage list"] = get("/manage/interest/")
    documents["new call"] = get("/manage/interest/new")
    documents["new call, errors"] = post_form(client, "/manage/interest/new", {"title": "", "areas": "a\na"}
                                              ).get_data(as_text=True)
    documents["edit call"] = get(f"/manage/interest/{call}/edit")
    assert "Giulia Rossi" in documents["dashboard, empty"]
    assert_valid_html(documents)



@pytest.mark.browser
def test_a_citizen_declares_with_the_keyboard_and_no_page_has_axe_violations(app, page, live_server, scene):
    base, call = live_server.url, scene["call"]
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    for path in (f"/interest/{call}", f"/interest/{call}/summary"):
        page.goto(base + path)
        assert_accessible(page)

    log_in(page, base, scene["citizen"])
    page.goto(f"{base}/interest/{call}")
    assert_accessible(page)
    # Sending the empty form shows the errors beside the fields, accessibly.
    page.get_by_role("button", name="Invia la manifestazione di interesse").click()
    assert page.locator("#role-error").is_visible()
    assert_accessible(page)
    # Keyboard only: radio buttons with Space, check boxes with Space, the select with arrows, Enter to send.
    page.get_by_label("Futuro utente").focus()
    page.keyboard.press("Space")
    page.get_by_label("Libero professionista").focus()
    page.keyboard.press("Space")
    page.get_by_label("Giorni a settimana in cui lavoreresti nello spazio").select_option("4")
    page.get_by_label("Sala riunioni").focus()
    page.keyboard.press("Space")
    page.get_by_label("Zona preferita").select_option(label="Stazione")
    page.get_by_label("Da 50 a 100 euro").focus()
    page.keyboard.press("Space")
    page.get_by_label("Entro 3 mesi").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Invia la manifestazione di interesse").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#your-declaration$"))
    assert "Grazie" in page.locator(".civic-messages").inner_text()
    assert_accessible(page)
    # The one expected: the form with errors comes back as 422.
    assert [e for e in console_errors if "status of 422" not in e] == [], console_errors
    with app.app_context():
        declaration = db.session.scalar(select(Declaration).join(Declaration.user).where(
            Declaration.call_id == call, User.email == scene["citizen"]))
        assert (declaration.role, declaration.days_per_week) == (Role.USER, 4)
        assert declaration.need_values == [Need.MEETING_ROOM] and declaration.area.name == "Stazione"


@pytest.mark.browser
def test_dashboard_and_councillor_pages_have_no_axe_violations(page, live_server, scene):
    base, call = live_server.url, scene["call"]
    log_in(page, base, scene["councillor"])
    for path in (f"/interest/{call}/results", "/manage/interest/"):
        page.goto(base + path)
        assert page.url.endswith(path), page.url
        assert_accessible(page)
    page.goto(f"{base}/manage/interest/new")
    page.get_by_role("button", name="Salva").click()
    assert page.locator("#form-errors").is_visible()
    assert_accessible(page)
