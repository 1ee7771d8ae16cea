"""End to end in Chromium as a citizen, with and without JavaScript: follow a motion, be told in the site
(the unread count in the header, the list, mark read) and by e-mail through a real SMTP server, change the
preferences, stop the e-mails with the link of the mail. axe-core finds no WCAG 2.1 AA violation on the new
pages at 1280 and 390 pixels, in Italian and English."""
from __future__ import annotations

import datetime as dt
import re

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
from tests.support.mail import deliver

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
