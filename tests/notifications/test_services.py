"""Follows and the batch that tells followers: who is told, how, in how many statements."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import current_app
from sqlalchemy import func, select

from civic.core.features import Happening, announce
from civic.database import db, utcnow
from civic.motions import services as motion_services
from civic.notifications import services
from civic.notifications.models import Delivery, Follow, Notification
from civic.outbox.models import OutboxMessage
from tests.factories import make_body, make_user
from tests.motions.factories import make_motion
from tests.notifications.factories import bulk_followers


@pytest.fixture
def motion(app_ctx):
    return make_motion(make_body(), title="Coworking a Quarto")


def _notifications(user_id=None):
    query = select(Notification).order_by(Notification.id)
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    return list(db.session.scalars(query))


def _mails(to=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query))


def test_scheduling_a_motion_tells_its_followers_in_their_language(motion):
    italian = make_user("giulia@example.org")
    english = make_user("john@example.org")
    english.locale = "en"
    stranger = make_user("other@example.org")
    councillor = make_user("councillor@example.org")
    for person in (italian, english, councillor):
        services.start_following(person.id, "motion", motion.id)
    motion_services.schedule_motion(councillor, motion, dt.date(2026, 12, 20))
    db.session.commit()

    told = {n.user_id for n in _notifications()}
    assert told == {italian.id, english.id}  # not the stranger, not the councillor who did it
    assert stranger.id not in told
    notification = _notifications(italian.id)[0]
    assert (notification.kind, notification.title, notification.url) == (
        "motion.scheduled", "Coworking a Quarto", f"/motions/{motion.id}")
    assert notification.read_at is None
    [it_mail] = _mails("giulia@example.org")
    [en_mail] = _mails("john@example.org")
    assert it_mail.subject == "All'ordine del giorno del consiglio: Coworking a Quarto"
    assert en_mail.subject == "On the council's agenda: Coworking a Quarto"
    base = current_app.config["CIVIC_BASE_URL"]
    assert f"{base}/motions/{motion.id}" in it_mail.body_text
    assert "Non ricevere più e-mail di questo tipo:" in it_mail.body_text
    assert it_mail.unsubscribe_url in it_mail.body_text
    assert it_mail.unsubscribe_url.startswith(f"{base}/notifications/unsubscribe/")
    assert it_mail.unsubscribe_url.endswith("?kind=motion.scheduled")
    assert it_mail.unsubscribe_url != en_mail.unsubscribe_url
    token = it_mail.unsubscribe_url.rsplit("/", 1)[1].split("?")[0]
    assert services.user_id_of(token) == italian.id
    assert it_mail.attachments == []


def test_preferences_decide_site_mail_digest_or_nothing(motion):
    people = {delivery: make_user(f"{delivery.value}@example.org") for delivery in Delivery}
    unconfirmed = make_user("unconfirmed@example.org", confirmed=False)
    for person in [*people.values(), unconfirmed]:
        services.start_following(person.id, "motion", motion.id)
        if person is not unconfirmed:
            services.set_preferences(person, {"motion.voted": next(
                d for d, p in people.items() if p is person)})
    db.session.commit()
    announce(Happening("motion.voted", "motion", motion.id, "Approvata"))
    db.session.commit()

    told = {n.user_id: n.digest_pending for n in _notifications()}
    assert told == {people[Delivery.IMMEDIATE].id: False, people[Delivery.DAILY].id: True,
                    people[Delivery.SITE].id: False, unconfirmed.id: False}
    assert [m.to_address for m in _mails()] == ["immediate@example.org"]  # never to an unconfirmed address


def test_telling_many_followers_takes_the_same_statements_as_telling_few(motion, count_queries):
    bulk_followers("motion", motion.id, 3, prefix="few")
    other = make_motion(make_body())
    bulk_followers("motion", other.id, 300, prefix="many")
    with count_queries() as few:
        announce(Happening("motion.milestone", "motion", motion.id, "Tavolo di lavoro"))
    with count_queries() as many:
        announce(Happening("motion.milestone", "motion", other.id, "Tavolo di lavoro"))
    db.session.commit()
    assert many.count == few.count <= 3  # the thing, then INSERT ... SELECT twice
    inserts = [s for s in many.statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 2 and all("SELECT" in s.upper() for s in inserts)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 303
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 303


def test_supporting_a_motion_follows_it_and_unfollow_stops_the_news(motion):
    giulia = make_user("giulia@example.org")
    motion_services.support(giulia, motion)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 1
    assert services.unfollow(giulia, "motion", motion.id)
    announce(Happening("motion.voted", "motion", motion.id))
    db.session.commit()
    assert _notifications() == []


def test_follow_refuses_unknown_and_draft_things(motion):
    from civic.motions.models import MotionStatus
    giulia = make_user("giulia@example.org")
    draft = make_motion(make_body(), status=MotionStatus.DRAFT)
    with pytest.raises(services.NotificationError):
        services.follow(giulia, "motion", draft.id)
    with pytest.raises(services.NotificationError):
        services.follow(giulia, "nothing", 1)
    assert services.follow(giulia, "motion", motion.id) is True
    assert services.follow(giulia, "motion", motion.id) is False


def test_one_click_unsubscribe_keeps_the_site_and_stops_the_digest(motion):
    giulia = make_user("giulia@example.org")
    services.start_following(giulia.id, "motion", motion.id)
    services.set_preferences(giulia, {"motion.voted": Delivery.DAILY, "motion.scheduled": Delivery.OFF})
    announce(Happening("motion.voted", "motion", motion.id))
    services.unsubscribe(giulia.id, None)
    db.session.commit()
    from civic.notifications import queries
    chosen = queries.deliveries(giulia.id, list(services.kinds()))
    assert chosen["motion.voted"] == Delivery.SITE
    assert chosen["motion.scheduled"] == Delivery.OFF  # off stays off
    assert chosen["meeting.cancelled"] == Delivery.SITE
    assert services.send_digests() == 0


def test_daily_digest_is_one_mail_per_person_and_sent_once(motion):
    giulia = make_user("giulia@example.org")
    services.start_following(giulia.id, "motion", motion.id)
    services.set_preferences(giulia, {"motion.voted": Delivery.DAILY, "motion.milestone": Delivery.DAILY})
    announce(Happening("motion.voted", "motion", motion.id, "Approvata"))
    announce(Happening("motion.milestone", "motion", motion.id, "Tavolo di lavoro"))
    db.session.commit()
    assert _mails() == []
    assert services.send_digests(utcnow() - dt.timedelta(hours=1)) == 0  # not due yet: made after the cutoff
    assert services.send_digests() == 1
    db.session.commit()
    assert services.send_digests() == 0
    [digest] = _mails()
    assert digest.subject == "Le tue notifiche del giorno (2)"
    assert "Il consiglio ha votato: Coworking a Quarto" in digest.body_text
    assert "Tavolo di lavoro" in digest.body_text
    assert digest.unsubscribe_url in digest.body_text


def test_a_reply_tells_the_author_of_the_comment(motion):
    from civic.comments import services as comment_services
    author, replier = make_user("author@example.org"), make_user("replier@example.org")
    first = comment_services.add_comment(author, "motion", motion, "Bella idea.")
    comment_services.add_comment(replier, "motion", motion, "Concordo.", reply_to=first.id)
    comment_services.add_comment(author, "motion", motion, "Grazie.", reply_to=first.id)
    db.session.commit()
    [notification] = _notifications()
    assert (notification.user_id, notification.kind) == (author.id, "comment.reply")


def test_the_digest_is_due_at_the_configured_hour_in_rome(app):
    from civic.notifications.feature import digest_cutoff
    with app.app_context():
        app.config["CIVIC_DIGEST_HOUR"] = 7
        winter_morning = dt.datetime(2026, 12, 6, 7, 30, tzinfo=dt.UTC)  # 08:30 in Rome
        assert digest_cutoff(winter_morning) == dt.datetime(2026, 12, 6, 6, 0, tzinfo=dt.UTC)
        before = dt.datetime(2026, 12, 6, 5, 59, tzinfo=dt.UTC)  # 06:59 in Rome: yesterday's is the last
        assert digest_cutoff(before) == dt.datetime(2026, 12, 5, 6, 0, tzinfo=dt.UTC)


def test_the_digest_command_queues_the_digests(app, runner):
    with app.app_context():
        giulia = make_user("giulia@example.org")
        motion = make_motion(make_body())
        services.start_following(giulia.id, "motion", motion.id)
        services.set_preferences(giulia, {"motion.voted": Delivery.DAILY})
        announce(Happening("motion.voted", "motion", motion.id))
        db.session.commit()
        db.session.remove()
    result = runner.invoke(args=["notifications", "digest", "--all"])
    assert result.exit_code == 0 and "queued 1 notification digests" in result.output
    again = runner.invoke(args=["notifications", "digest", "--all"])
    assert again.output.strip() == "queued 0 notification digests"


def test_the_demo_citizen_follows_and_has_a_notification_once(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Follow)) == 2
        [notification] = _notifications()
        assert notification.kind == "motion.milestone"
