"""Every meeting page passes axe-core (WCAG 2.1 AA) in Chromium and the W3C Nu HTML checker, and works as a
citizen uses it: book a seat with the keyboard, see the ticket."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from civic.database import db
from civic.meetings.models import Meeting, MeetingStatus, Registration
from tests.browser.ui import log_in
from tests.conftest import post_form
from tests.factories import make_body, make_user
from tests.meetings.factories import make_consultation, make_meeting, make_registration
from tests.support.checks import assert_accessible, assert_valid_html

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def scene(app):
    with app.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, title="Coworking a Novi Ligure")
        held = make_meeting(
            consultation, title="Incontro pubblico sul coworking",
            starts_at=dt.datetime(2015, 2, 14, 9, 0, tzinfo=ROME),
            ends_at=dt.datetime(2015, 2, 14, 12, 0, tzinfo=ROME),
            venue_name="Biblioteca Civica", venue_address="Via Marconi 36", status=MeetingStatus.HELD,
            minutes="## Sintesi\n\nSi è parlato di *coworking*.", attendance_count=40,
            latitude=44.76, longitude=8.78,
            agenda=[(dt.time(9, 0), "Introduzione", "", "Comune"), (None, "lab121", "Mico Rao", "Proteina")],
        )
        upcoming = make_meeting(consultation, title="Tavolo di lavoro", capacity=30,
                                description="Un **tavolo**.", online_url="https://meet.example.org/tavolo",
                                check_in_opens_minutes=7 * 24 * 60,
                                agenda=[(dt.time(17, 30), "Saluti", "Anna", "Municipio")])
        citizen = make_user(name="Giulia Rossi")
        make_registration(upcoming, make_user(name="Marco Neri"), category="professionisti")
        return {"held": held.id, "upcoming": upcoming.id, "citizen": citizen.email,
                "councillor": make_user(councillor_of=body).email}


@pytest.mark.html
def test_public_and_citizen_pages_are_valid_html(app, client, auth, scene):
    upcoming = scene["upcoming"]
    documents = {
        "list": client.get("/meetings/").get_data(as_text=True),
        "past list": client.get("/meetings/?when=past").get_data(as_text=True),
        "held meeting": client.get(f"/meetings/{scene['held']}").get_data(as_text=True),
        "meeting, anonymous": client.get(f"/meetings/{upcoming}").get_data(as_text=True),
    }
    auth.login(scene["citizen"])
    documents["meeting, logged in"] = client.get(f"/meetings/{upcoming}").get_data(as_text=True)
    documents["rsvp form"] = client.get(f"/meetings/{upcoming}/register").get_data(as_text=True)
    documents["rsvp errors"] = post_form(client, f"/meetings/{upcoming}/register",
                                         {"category": "", "note": "x" * 600}).get_data(as_text=True)
    post_form(client, f"/meetings/{upcoming}/register", {"category": "cittadini"})
    documents["ticket"] = client.get(f"/meetings/{upcoming}/ticket").get_data(as_text=True)
    documents["meeting, registered"] = client.get(f"/meetings/{upcoming}").get_data(as_text=True)
    documents["my meetings"] = client.get("/meetings/mine").get_data(as_text=True)
    assert 'class="civic-qr"' in documents["ticket"]
    assert_valid_html(documents)


@pytest.mark.html
def test_councillor_pages_are_valid_html(app, client, auth, scene):
    meeting = scene["upcoming"]
    auth.login(scene["councillor"])
    with app.app_context():
        code = db.session.scalar(db.select(Registration.ticket_code))
    documents = {
        "manage list": client.get("/manage/meetings/").get_data(as_text=True),
        "new meeting": client.get("/manage/meetings/new").get_data(as_text=True),
        "new meeting, errors": post_form(client, "/manage/meetings/new",
                                         {"title": "", "agenda-0-speaker": "Anna"}).get_data(as_text=True),
        "edit": client.get(f"/manage/meetings/{meeting}/edit").get_data(as_text=True),
        "overview": client.get(f"/manage/meetings/{meeting}").get_data(as_text=True),
        "registrations": client.get(f"/manage/meetings/{meeting}/registrations").get_data(as_text=True),
        "check-in": post_form(client, f"/manage/meetings/{meeting}/check-in",
                              {"code": code}).get_data(as_text=True),
        "check-in unknown": post_form(client, f"/manage/meetings/{meeting}/check-in", {"code": "nope"}
                                      ).get_data(as_text=True),
        "attendees": client.get(f"/manage/meetings/{meeting}/attendees").get_data(as_text=True),
        "outcome": client.get(f"/manage/meetings/{meeting}/outcome").get_data(as_text=True),
    }
    assert "Benvenuto: ingresso registrato." in documents["check-in"]
    assert_valid_html(documents)



@pytest.mark.browser
def test_a_citizen_books_with_the_keyboard_and_every_page_has_no_axe_violations(app, page, live_server,
                                                                                scene):
    base = live_server.url
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.goto(f"{base}/meetings/")
    assert_accessible(page)
    page.goto(f"{base}/meetings/?when=past")
    assert_accessible(page)
    page.goto(f"{base}/meetings/{scene['held']}")
    assert page.locator("h1").inner_text().startswith("Incontro pubblico sul coworking")
    assert_accessible(page)

    log_in(page, base, scene["citizen"])
    page.goto(f"{base}/meetings/{scene['upcoming']}")
    assert_accessible(page)
    page.get_by_role("link", name="Iscriviti").click()
    assert_accessible(page)
    # Keyboard only: choose the category, then submit with Enter.
    page.get_by_label("Partecipi come").focus()
    page.keyboard.press("ArrowDown")
    page.get_by_label("Partecipi come").select_option("imprenditori")
    page.get_by_label("Esigenze di accessibilità (facoltativo)").fill("Interprete LIS")
    page.get_by_role("button", name="Conferma l’iscrizione").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ticket$"))
    assert page.get_by_role("img", name="Codice QR del tuo biglietto").is_visible()
    assert_accessible(page)
    # The JSON-LD data block is not a script to the CSP: no "inline script" refusal. (Font warnings of the
    # design kit are not this feature's business.)
    assert [e for e in console_errors if "script" in e.lower()] == [], console_errors
    with app.app_context():
        registration = db.session.scalar(
            db.select(Registration).where(Registration.category == "imprenditori"))
        assert registration.accessibility_needs == "Interprete LIS"
        assert db.session.get(Meeting, scene["upcoming"]).confirmed_count == 2


@pytest.mark.browser
def test_rsvp_form_errors_and_councillor_tools_have_no_axe_violations(app, page, live_server, scene):
    base = live_server.url
    log_in(page, base, scene["citizen"])
    page.goto(f"{base}/meetings/{scene['upcoming']}/register")
    page.get_by_role("button", name="Conferma l’iscrizione").click()
    assert page.locator("#category-error").is_visible()
    assert_accessible(page)
    page.goto(f"{base}/account/login")
    page.context.clear_cookies()
    log_in(page, base, scene["councillor"])
    for path in ("/manage/meetings/", f"/manage/meetings/{scene['upcoming']}",
                 f"/manage/meetings/{scene['upcoming']}/registrations",
                 f"/manage/meetings/{scene['upcoming']}/edit",
                 f"/manage/meetings/{scene['upcoming']}/check-in",
                 f"/manage/meetings/{scene['upcoming']}/attendees"):
        page.goto(base + path)
        assert page.url.endswith(path), page.url
        assert_accessible(page)
    page.goto(f"{base}/manage/meetings/{scene['upcoming']}/check-in")
    page.get_by_label("Codice del biglietto").fill("ZZZZ ZZZZ ZZZZ ZZZZ")
    page.get_by_role("button", name="Registra l’ingresso").click()
    assert "Codice sconosciuto" in page.locator("#check-in-result").inner_text()
    assert_accessible(page)
