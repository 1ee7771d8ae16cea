"""The pages: follow buttons, the notifications list with its unread count, preferences, the one-click
unsubscribe (RFC 8058) as a mail client and as a person use it, and the e-mail as it leaves through SMTP."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.core.features import Happening, announce
from civic.database import db
from civic.notifications.models import Delivery, Follow, Notification, NotificationPreference
from civic.notifications.services import start_following
from tests.conftest import post_form
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import make_motion
from tests.support.mail import deliver, queued

GIULIA = "giulia@example.org"


@pytest.fixture
def motion_id(app):
    with app.app_context():
        make_user(GIULIA)
        return make_motion(make_body(), title="Coworking a Quarto").id


def _count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        count = db.session.scalar(query)
        db.session.remove()
    return count


def _announce(app, motion_id, kind="motion.voted", detail="Approvata"):
    with app.app_context():
        announce(Happening(kind, "motion", motion_id, detail))
        db.session.commit()
        db.session.remove()


def test_a_visitor_is_asked_to_log_in_to_follow(client, motion_id):
    page = client.get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Accedi per seguirlo ed essere avvisato di cosa cambia" in page
    assert client.post(f"/notifications/follow/motion/{motion_id}").status_code in (302, 400)
    assert client.get("/notifications/").status_code == 302


def test_follow_and_unfollow_from_the_page(app, client, auth, motion_id):
    auth.login(GIULIA, PASSWORD)
    page = f"/motions/{motion_id}"
    followed = post_form(client, page, {"next": page}, action=f"/notifications/follow/motion/{motion_id}",
                         follow_redirects=True)
    text = followed.get_data(as_text=True)
    assert "Ora lo segui: sarai avvisato di cosa cambia." in text
    assert "Non seguire più" in text
    assert _count(app, Follow) == 1
    left = post_form(client, page, {"next": page}, action=f"/notifications/unfollow/motion/{motion_id}",
                     follow_redirects=True)
    assert "Non lo segui più." in left.get_data(as_text=True)
    assert _count(app, Follow) == 0
    # Without the CSRF token nothing changes.
    assert client.post(f"/notifications/follow/motion/{motion_id}", data={}).status_code in (302, 400)
    assert _count(app, Follow) == 0
    assert client.post("/notifications/follow/motion/999999", data={}).status_code in (400, 404)


def test_notifications_list_unread_count_and_mark_read(app, client, auth, motion_id):
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == GIULIA))
        start_following(user_id, "motion", motion_id)
        db.session.commit()
    _announce(app, motion_id)
    _announce(app, motion_id, "motion.milestone", "Tavolo di lavoro")
    auth.login(GIULIA, PASSWORD)
    home = client.get("/?lang=en").get_data(as_text=True)
    badge = r'Notifications <span class="badge[^"]*">2<span class="visually-hidden"> unread'
    assert re.search(badge, home)
    inbox = client.get("/notifications/?lang=it").get_data(as_text=True)
    assert "Il consiglio ha votato: Coworking a Quarto" in inbox and "Tavolo di lavoro" in inbox
    with app.app_context():
        first = db.session.scalar(select(Notification.id).order_by(Notification.id))
    post_form(client, "/notifications/", {}, action=f"/notifications/{first}/read")
    assert _count(app, Notification, read_at=None) == 1
    post_form(client, "/notifications/", {}, action="/notifications/read")
    assert _count(app, Notification, read_at=None) == 0
    assert "badge" not in client.get("/?lang=en").get_data(as_text=True).split("civic-account-extra")[1][:80]


def test_preferences_are_saved_and_bad_input_changes_nothing(app, client, auth, motion_id):
    auth.login(GIULIA, PASSWORD)
    page = client.get("/notifications/preferences?lang=en").get_data(as_text=True)
    assert "The council votes on a motion I follow" in page
    assert "In the site, and by e-mail in a daily digest" in page
    wrong = post_form(client, "/notifications/preferences", {"kind-motion-voted": "loudly"})
    assert wrong.status_code == 422
    assert _count(app, NotificationPreference) == 0
    saved = post_form(client, "/notifications/preferences", {"kind-motion-voted": "daily"},
                      follow_redirects=True)
    assert "Your notification preferences are saved." in saved.get_data(as_text=True)
    assert _count(app, NotificationPreference, kind="motion.voted", delivery=Delivery.DAILY) == 1
    again = client.get("/notifications/preferences").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="daily"|<input[^>]*value="daily"[^>]*checked', again)


def test_one_click_unsubscribe_from_the_mail_through_smtp(app, client, motion_id, mail_server):
    with app.app_context():
        start_following(db.session.scalar(select(User.id).where(User.email == GIULIA)), "motion", motion_id)
        db.session.commit()
    _announce(app, motion_id)
    deliver(app)
    [message] = mail_server.messages_to(GIULIA)
    assert message["Subject"] == "Il consiglio ha votato: Coworking a Quarto"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    assert link in mail_server.text_of(message)
    path = re.sub(r"^https?://[^/]+", "", link)

    # A person opening the link sees a confirmation page and changes nothing by looking.
    page = client.get(path)
    assert page.status_code == 200
    assert "Non ricevere più le e-mail di questo tipo" in page.get_data(as_text=True)
    assert _count(app, NotificationPreference) == 0
    # The mail client POSTs with no session, no cookie and no CSRF token (RFC 8058).
    done = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "non riceverai più e-mail di questo tipo" in done.get_data(as_text=True)
    assert _count(app, NotificationPreference, kind="motion.voted", delivery=Delivery.SITE) == 1
    _announce(app, motion_id)
    assert len(queued(app, GIULIA)) == 1  # no new e-mail; the notification still shows in the site
    assert _count(app, Notification) == 2
    # A forged token is refused with a clear page, and changes nothing.
    forged = client.post(path.replace("/unsubscribe/", "/unsubscribe/x"))
    assert forged.status_code == 404 and "Questo link non è valido" in forged.get_data(as_text=True)


def test_my_data_holds_follows_and_preferences_and_deletion_removes_them(app, client, auth, motion_id):
    auth.login(GIULIA, PASSWORD)
    page = f"/motions/{motion_id}"
    post_form(client, page, {}, action=f"/notifications/follow/motion/{motion_id}")
    post_form(client, "/notifications/preferences", {"kind-motion-voted": "off"})
    data = json.loads(client.get("/account/data/download").get_data(as_text=True))
    [follow] = data["follows"]
    assert (follow["target"], follow["target_id"]) == ("motion", motion_id) and follow["since"]
    assert {(p["kind"], p["delivery"]) for p in data["notification_preferences"]} >= {("motion.voted", "off")}
    _announce(app, motion_id, "motion.milestone")
    assert _count(app, Notification) == 1
    deleted = post_form(client, "/account/delete", {"current_password": PASSWORD, "confirm": "y"})
    assert deleted.status_code == 302
    assert _count(app, Follow) == _count(app, NotificationPreference) == _count(app, Notification) == 0


def test_the_list_takes_the_same_queries_for_few_and_many(app, client, auth, motion_id, count_queries):
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == GIULIA))
        start_following(user_id, "motion", motion_id)
        db.session.commit()
    _announce(app, motion_id)
    auth.login(GIULIA, PASSWORD)
    with count_queries() as few:
        assert client.get("/notifications/").status_code == 200
    for _ in range(25):
        _announce(app, motion_id, "motion.milestone", "Un passo")
    with count_queries() as many:
        page = client.get("/notifications/").get_data(as_text=True)
    assert page.count("Segna come letta") == 20  # one page
    assert few.count == many.count
