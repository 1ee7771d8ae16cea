"""End to end in Chromium as a citizen, with and without JavaScript: follow a motion, be told in the site
(the unread count in the header, the list, mark read) and by e-mail through a real SMTP server, change the
preferences, stop the e-mails with the link of the mail. axe-core finds no WCAG 2.1 AA violation on the new
pages at 1280 and 390 pixels, in Italian and English."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from civic.accounts.models import User
from civic.database import db
from civic.motions import services as motion_services
from civic.motions.models import Motion
from civic.notifications.models import Delivery, NotificationPreference
from tests.browser.ui import log_in
from tests.factories import make_body, make_user
from tests.motions.factories import make_motion
from tests.support.checks import assert_accessible
from tests.support.mail import deliver, queued

pytestmark = pytest.mark.browser

GIULIA = "giulia@example.org"


@pytest.fixture
def motion_id(app):
    with app.app_context():
        body = make_body(name="Municipio IX Levante")
        make_user(GIULIA, "Giulia Rossi")
        make_user("levante@example.org", "Consigliera Levante", councillor_of=body)
        return make_motion(body, title="Coworking a Quarto").id


def _schedule(app, motion_id: int) -> None:
    """The councillor puts the motion on the council's agenda (what the councillors' form calls)."""
    with app.app_context():
        councillor = db.session.scalar(db.select(User).where(User.email == "levante@example.org"))
        motion_services.schedule_motion(councillor, db.session.get(Motion, motion_id), dt.date(2026, 12, 21))
        db.session.commit()
        db.session.remove()


def _delivery(app, kind: str):
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.email == GIULIA))
        delivery = db.session.get(NotificationPreference, (user_id, kind))
        db.session.remove()
    return delivery.delivery if delivery else None


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_follow_be_told_change_preferences_and_unsubscribe(app, browser, live_server, motion_id, mail_server,
                                                           javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    try:
        log_in(page, live_server.url, GIULIA)
        page.goto(f"{live_server.url}/motions/{motion_id}")
        page.get_by_role("button", name=re.compile(r"^Segui\W+Coworking a Quarto$")).click()
        expect(page.get_by_text("Ora lo segui: sarai avvisato di cosa cambia.")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile(r"^Non seguire più\W+Coworking a Quarto$"))) \
            .to_be_visible()

        _schedule(app, motion_id)
        page.reload()
        header_link = page.locator(".civic-account-extra")
        expect(header_link).to_have_text(re.compile(r"Notifiche\s*1\s*da leggere"))
        header_link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Notifiche")
        expect(page.get_by_role("link", name="All'ordine del giorno del consiglio: Coworking a Quarto")) \
            .to_be_visible()
        mark_read = page.get_by_role("button", name=re.compile(r"^Segna come letta\W+Coworking a Quarto$"))
        mark_read.click()
        expect(mark_read).to_have_count(0)
        expect(page.locator(".civic-account-extra .badge")).to_have_count(0)

        # The e-mail leaves through the outbox to a real SMTP server, with the one-click headers.
        deliver(app)
        [message] = mail_server.messages_to(GIULIA)
        assert message["Subject"] == "All'ordine del giorno del consiglio: Coworking a Quarto"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
        assert link in mail_server.text_of(message)

        page.goto(f"{live_server.url}/notifications/preferences")
        group = page.get_by_role("group", name="Il consiglio vota una mozione che seguo")
        group.get_by_text("Nel sito, e per e-mail in un riepilogo giornaliero").click()  # the kit's radio
        page.get_by_role("button", name="Salva le preferenze").click()
        expect(page.get_by_text("Le tue preferenze delle notifiche sono salvate.")).to_be_visible()
        assert _delivery(app, "motion.voted") == Delivery.DAILY

        # The link of the e-mail, opened in the browser: a confirmation, then done.
        page.goto(re.sub(r"^https?://[^/]+", live_server.url, link))
        expect(page.get_by_role("heading", level=1)).to_have_text("Non ricevere più e-mail")
        page.get_by_role("button", name="Non ricevere più queste e-mail").click()
        expect(page.get_by_text("Fatto: non riceverai più e-mail di questo tipo")).to_be_visible()
        assert _delivery(app, "motion.scheduled") == Delivery.SITE
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_new_pages_have_no_accessibility_violations(app, page, live_server, motion_id, width, lang):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/motions/{motion_id}?lang={lang}")
    assert_accessible(page)  # the visitor's "log in to follow"
    log_in(page, live_server.url, GIULIA)
    page.goto(f"{live_server.url}/notifications/?lang={lang}")
    assert_accessible(page)  # empty list
    page.goto(f"{live_server.url}/motions/{motion_id}")
    page.locator(".civic-follow button").click()
    assert_accessible(page)  # followed, with the message
    _schedule(app, motion_id)
    for path in ("/", "/notifications/", "/notifications/preferences"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.lang") == lang
        assert_accessible(page)
    page.locator("main form button[type=submit]").first.click()  # save the preferences as they are
    assert_accessible(page)
    with app.app_context():
        from civic.notifications.services import unsubscribe_token
        user_id = db.session.scalar(db.select(User.id).where(User.email == GIULIA))
        token = unsubscribe_token(user_id)
        db.session.remove()
    page.goto(f"{live_server.url}/notifications/unsubscribe/{token}?kind=motion.voted")
    assert_accessible(page)
    page.locator("main form button").click()
    assert_accessible(page)
    page.goto(f"{live_server.url}/notifications/unsubscribe/forged")
    assert_accessible(page)


# A consultation and one of its meetings, followed from their pages; the preferences list, a daily digest,
# the unfollow; a councillor changes the meeting: told in the site, and by an e-mail with a one-click
# unsubscribe.

FOLLOW_WORDS = {
    "it": {"follow": "Segui", "unfollow": "Non seguire più",
           "followed": "Ora lo segui: sarai avvisato di cosa cambia.", "gone": "Non lo segui più.",
           "saved": "Le tue preferenze delle notifiche sono salvate.",
           "daily": "Nel sito, e per e-mail in un riepilogo giornaliero", "save": "Salva le preferenze",
           "survey_opened": "Si apre un questionario in un percorso che seguo", "heading": "Notifiche",
           "consultation": "Percorso partecipativo", "meeting": "Incontro",
           "changed": "Incontro modificato: {}"},
    "en": {"follow": "Follow", "unfollow": "Unfollow",
           "followed": "You follow it now: you will be told what changes.",
           "gone": "You no longer follow it.", "saved": "Your notification preferences are saved.",
           "daily": "In the site, and by e-mail in a daily digest", "save": "Save preferences",
           "survey_opened": "A survey opens in a consultation I follow", "heading": "Notifications",
           "consultation": "Consultation", "meeting": "Meeting", "changed": "Meeting changed: {}"},
}
WIDTHS = (1280, 390)
CONSULTATION = "Verde a Sampierdarena"
MEETING = "Assemblea sul verde di via Cantore"


@pytest.fixture
def cantore(app):
    with app.app_context():
        from tests.meetings.factories import make_consultation, make_meeting
        body = make_body(name="Municipio II Centro Ovest")
        make_user(GIULIA, "Giulia Rossi")
        make_user("centro-ovest@example.org", "Consigliere Centro Ovest", councillor_of=body)
        consultation = make_consultation(body, slug="verde-a-sampierdarena", title=CONSULTATION)
        meeting = make_meeting(consultation, title=MEETING, venue_name="Sala del Municipio")
        return SimpleNamespace(slug=consultation.slug, consultation=consultation.id, meeting=meeting.id)


def _change_meeting(app, meeting_id: int, venue: str) -> None:
    """The councillor moves the meeting to another room (what the councillors' form calls)."""
    from civic.meetings import services as meeting_services
    from civic.meetings.models import Meeting
    with app.test_request_context("/"):
        councillor = db.session.scalar(db.select(User).where(User.email == "centro-ovest@example.org"))
        meeting = db.session.get(Meeting, meeting_id)
        fields = {name: getattr(meeting, name) for name in meeting_services.EDITABLE_FIELDS}
        meeting_services.update_meeting(councillor, meeting, {**fields, "venue_name": venue}, agenda=[])
        db.session.commit()
        db.session.remove()


def _set_locale(app, lang: str) -> None:
    with app.app_context():
        db.session.scalar(db.select(User).where(User.email == GIULIA)).locale = lang
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize(("javascript", "lang"), [(True, "it"), (False, "en")], ids=["js-it", "no-js-en"])
def test_follow_a_consultation_and_a_meeting_then_a_change_to_the_meeting(app, browser, live_server,
                                                                          cantore, mail_server, javascript,
                                                                          lang):
    words, base = FOLLOW_WORDS[lang], live_server.url
    _set_locale(app, lang)
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(5000)
    try:
        log_in(page, base, GIULIA)
        for path, title in ((f"/consultations/{cantore.slug}/?lang={lang}", CONSULTATION),
                            (f"/meetings/{cantore.meeting}", MEETING)):
            page.goto(base + path)
            assert_accessible(page, WIDTHS)
            page.get_by_role("button", name=re.compile(rf"^{words['follow']}\W+{title}$")).click()
            expect(page.get_by_text(words["followed"])).to_be_visible()
            unfollow = page.get_by_role("button", name=re.compile(rf"^{words['unfollow']}\W+{title}$"))
            expect(unfollow).to_be_visible()
            assert_accessible(page, WIDTHS)

        # Both in the list of what one follows; the consultation's surveys in a daily digest.
        page.goto(f"{base}/notifications/preferences")
        follows = page.locator("#follows li")
        expect(follows).to_have_count(2)
        consultation = follows.filter(has_text=f"{words['consultation']}: {CONSULTATION}")
        expect(consultation.get_by_role("link", name=CONSULTATION)).to_have_attribute(
            "href", f"/consultations/{cantore.slug}/")
        meeting = follows.filter(has_text=f"{words['meeting']}: {MEETING}")
        expect(meeting.get_by_role("link", name=MEETING)).to_have_attribute(
            "href", f"/meetings/{cantore.meeting}")
        assert_accessible(page, WIDTHS)
        page.get_by_role("group", name=words["survey_opened"]).get_by_text(words["daily"]).click()
        page.get_by_role("button", name=words["save"]).click()
        expect(page.get_by_text(words["saved"])).to_be_visible()
        assert _delivery(app, "survey.opened") == Delivery.DAILY
        assert _delivery(app, "meeting.changed") == Delivery.IMMEDIATE  # as it was: at once

        # Unfollow the consultation from the list: the meeting stays; its page offers to follow again.
        page.get_by_role("button", name=re.compile(rf"^{words['unfollow']}\W+{CONSULTATION}$")).click()
        expect(page.get_by_text(words["gone"])).to_be_visible()
        expect(follows).to_have_count(1)
        expect(follows).to_contain_text(MEETING)
        assert_accessible(page, WIDTHS)
        page.goto(f"{base}/consultations/{cantore.slug}/")
        follow = page.get_by_role("button", name=re.compile(rf"^{words['follow']}\W+{CONSULTATION}$"))
        expect(follow).to_be_visible()

        # The councillor moves the meeting: the header counts it, the list links to the meeting.
        _change_meeting(app, cantore.meeting, "Sala Rossa")
        page.goto(f"{base}/")
        header_link = page.locator(".civic-account-extra")
        expect(header_link.locator(".badge")).to_have_text(re.compile(r"^1\W"))
        header_link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(words["heading"])
        told = page.get_by_role("link", name=words["changed"].format(MEETING))
        expect(told).to_have_attribute("href", re.compile(rf"/meetings/{cantore.meeting}$"))
        assert_accessible(page, WIDTHS)

        # One e-mail, in the outbox then through a real SMTP server, with the RFC 8058 headers.
        [queued_mail] = queued(app, GIULIA)
        assert queued_mail.subject == words["changed"].format(MEETING)
        deliver(app)
        [message] = mail_server.messages_to(GIULIA)
        assert message["Subject"] == words["changed"].format(MEETING)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
        assert link == queued_mail.unsubscribe_url and "kind=meeting.changed" in link

        # The mail client's one-click POST: no session, no form token.
        mail_client = browser.new_context()
        try:
            answer = mail_client.request.post(re.sub(r"^https?://[^/]+", base, link),
                                              form={"List-Unsubscribe": "One-Click"})
            assert answer.status == 200
        finally:
            mail_client.close()
        assert _delivery(app, "meeting.changed") == Delivery.SITE

        # The next change: still told in the site, no more e-mail.
        _change_meeting(app, cantore.meeting, "Sala Verde")
        page.reload()
        expect(page.get_by_role("link", name=words["changed"].format(MEETING))).to_have_count(2)
        assert len(queued(app, GIULIA)) == 1
    finally:
        context.close()
