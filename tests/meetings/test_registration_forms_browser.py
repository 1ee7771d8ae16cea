"""Registration forms end to end in Chromium, at 1280 and 390 pixels, in Italian and English: an organiser
sets up a meeting with a question, seats per category, companions and approval; a citizen registers with
JavaScript, another without; the organiser approves from /manage/. Every new page has no axe violations, and
every new page is valid HTML (W3C Nu checker)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from civic.accounts.models import User
from civic.database import db
from civic.meetings import services
from civic.meetings.models import Meeting, QuestionKind, Registration, RegistrationStatus
from tests.browser.ui import log_in
from tests.conftest import post_form
from tests.factories import make_body, make_user
from tests.meetings.factories import make_consultation, make_meeting, make_registration
from tests.support.checks import assert_accessible, assert_valid_html


@pytest.fixture
def cast(app):
    with app.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, title="Coworking a Novi Ligure")
        return {"consultation": consultation.id, "councillor": make_user(councillor_of=body).email,
                "citizen": make_user(name="Giulia Rossi").email, "nojs": make_user(name="Nora Nojs").email}


def tick(page, label: str) -> None:
    """Tick a checkbox or radio button by clicking its label, as a person does (the design kit draws the box
    over the input)."""
    page.locator("main label", has_text=re.compile(f"^{re.escape(label)}")).first.click()
    expect(page.get_by_label(label, exact=False).first).to_be_checked()


def set_up_meeting(page, base: str, cast: dict) -> int:
    """The organiser's form, filled as a person would."""
    page.goto(f"{base}/manage/meetings/new")
    assert_accessible(page)
    page.select_option("select[name=consultation]", str(cast["consultation"]))
    page.fill("input[name=title]", "Tavolo sul coworking")
    page.fill("input[name=starts_at]", "2030-03-29T17:30")
    page.fill("input[name=ends_at]", "2030-03-29T19:30")
    page.fill("input[name=venue_name]", "Biblioteca Civica")
    page.fill("input[name=capacity]", "30")
    page.fill("textarea[name=quotas]", "cittadini: 20\nprofessionisti: 5")
    page.fill("input[name=companions_max]", "2")
    page.fill("input[name=reminder_hours]", "168, 24")
    tick(page, "Le iscrizioni richiedono la nostra approvazione")
    page.fill("input[name='questions-0-label']", "Sei residente a Novi Ligure?")
    page.select_option("select[name='questions-0-kind']", "yes_no")
    page.locator("label[for='questions-0-required']").click()
    expect(page.locator("#questions-0-required")).to_be_checked()
    page.fill("input[name='questions-1-label']", "Come hai saputo dell'incontro?")
    page.select_option("select[name='questions-1-kind']", "choice")
    page.fill("textarea[name='questions-1-choices']", "Giornale\nPassaparola")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/manage/meetings/\d+$"))
    assert_accessible(page)
    return int(page.url.rsplit("/", 1)[1])


def register(page, base: str, meeting_id: int) -> None:
    page.goto(f"{base}/meetings/{meeting_id}")
    page.get_by_role("link", name="Iscriviti").click()
    expect(page.get_by_text("Sei residente a Novi Ligure?")).to_be_visible()
    assert_accessible(page)
    page.select_option("select[name=category]", "cittadini")
    page.get_by_role("button", name="Invia la mia iscrizione").click()  # the required answer is missing
    expect(page.get_by_text("Rispondi a questa domanda.", exact=True)).to_be_visible()
    assert_accessible(page)
    page.fill("input[name=companions]", "1")
    tick(page, "Sì")
    tick(page, "Passaparola")
    page.get_by_role("button", name="Invia la mia iscrizione").click()
    expect(page.get_by_text("Iscrizione ricevuta.")).to_be_visible()
    expect(page.get_by_text("In attesa di approvazione")).to_be_visible()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_organiser_and_citizens_with_and_without_javascript(app, browser, page, live_server, cast, width):
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, base, cast["councillor"])
    meeting_id = set_up_meeting(page, base, cast)
    page.context.clear_cookies()

    log_in(page, base, cast["citizen"])
    register(page, base, meeting_id)
    assert_accessible(page)
    page.context.clear_cookies()

    # Without JavaScript the same form works (plain HTML).
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    nojs = context.new_page()
    try:
        log_in(nojs, base, cast["nojs"])
        register(nojs, base, meeting_id)  # axe too: a page without JavaScript is checked as served
    finally:
        context.close()

    log_in(page, base, cast["councillor"])
    for lang, label in (("en", "Meeting registrations awaiting approval"),
                        ("it", "Iscrizioni agli incontri da approvare")):
        page.goto(f"{base}/manage/?lang={lang}")
        expect(page.locator("#waiting-meeting_approvals")).to_contain_text(label)
        expect(page.locator("#waiting-meeting_approvals")).to_contain_text("2")
        assert_accessible(page)
    page.locator("#waiting-meeting_approvals a").click()
    expect(page).to_have_url(f"{base}/manage/meetings/approvals")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Approva\W+Giulia Rossi$")).click()
    expect(page.get_by_text("L’iscrizione di Giulia Rossi è approvata con un posto confermato")
           ).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Rifiuta\W+Nora Nojs$")).click()
    expect(page.get_by_text("L’iscrizione di Nora Nojs è rifiutata")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/manage/meetings/approvals?meeting={meeting_id}&lang=en")
    expect(page.get_by_text("Nothing waits for approval.")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/manage/meetings/{meeting_id}/registrations?lang=en")
    assert_accessible(page)
    page.goto(f"{base}/meetings/{meeting_id}?lang=it")
    expect(page.get_by_text("cittadini: 18 posti disponibili su 20")).to_be_visible()
    assert_accessible(page)
    with app.app_context():
        rows = dict(db.session.execute(select(User.display_name, Registration.status)
                                       .join(Registration.user)).all())
        assert rows == {"Giulia Rossi": RegistrationStatus.CONFIRMED, "Nora Nojs": RegistrationStatus.REFUSED}
        assert db.session.get(Meeting, meeting_id).confirmed_count == 2  # Giulia and her companion


@pytest.mark.html
def test_the_new_pages_are_valid_html(app, client, auth, cast):
    with app.test_request_context("/"):
        body = make_body()
        meeting = make_meeting(make_consultation(body), capacity=2, companions_max=2, requires_approval=True,
                               check_in_opens_minutes=60, title="Tavolo sul coworking")
        values = {name: getattr(meeting, name) for name in services.EDITABLE_FIELDS}
        services.update_meeting(make_user(admin=True), meeting, {**values, "capacity": 2}, [], questions=[
            {"label": "Residente?", "kind": QuestionKind.YES_NO, "required": True, "choices": []},
            {"label": "Note sul pranzo", "kind": QuestionKind.TEXT, "required": False, "choices": []},
        ], quotas={"cittadini": 1})
        db.session.commit()
        resident = meeting.questions[0]
        pending = make_registration(meeting, make_user(name="Piero Attesa"), RegistrationStatus.PENDING,
                                    companions=1, answers=[{"question_id": resident.id,
                                                            "question": "Residente?", "answer": "yes"}])
        meeting_id, code, question = meeting.id, pending.ticket_code, f"q{resident.id}"
        councillor = make_user(councillor_of=body).email
    auth.login(cast["citizen"])
    documents = {
        "rsvp form with questions": client.get(f"/meetings/{meeting_id}/register").get_data(as_text=True),
        "rsvp form, errors": post_form(client, f"/meetings/{meeting_id}/register",
                                       {"category": "cittadini", "companions": "9"}).get_data(as_text=True),
    }
    post_form(client, f"/meetings/{meeting_id}/register", {"category": "cittadini", question: "yes"})
    documents["meeting, pending"] = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    auth.logout()
    auth.login(councillor)
    documents["approvals"] = client.get("/manage/meetings/approvals").get_data(as_text=True)
    documents["approvals of a meeting"] = client.get(
        f"/manage/meetings/approvals?meeting={meeting_id}").get_data(as_text=True)
    documents["overview"] = client.get(f"/manage/meetings/{meeting_id}").get_data(as_text=True)
    documents["registrations"] = client.get(f"/manage/meetings/{meeting_id}/registrations").get_data(
        as_text=True)
    documents["edit with questions"] = client.get(f"/manage/meetings/{meeting_id}/edit").get_data(
        as_text=True)
    documents["check-in too early"] = post_form(client, f"/manage/meetings/{meeting_id}/check-in",
                                                {"code": code}).get_data(as_text=True)
    assert "Piero Attesa" in documents["approvals"] and "In attesa di approvazione" in documents[
        "meeting, pending"]
    assert "L’accoglienza non è ancora aperta" in documents["check-in too early"]
    assert_valid_html(documents)
