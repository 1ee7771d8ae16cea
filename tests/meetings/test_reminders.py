"""Reminders: the outbox worker queues one per confirmed registration CIVIC_REMINDER_HOURS before the start,
exactly once, even with two workers at the same moment."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select

from civic.database import db, utcnow
from civic.meetings import services
from civic.meetings.models import MeetingStatus, RegistrationStatus
from civic.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.meetings.factories import make_meeting, make_registration


def setup_meetings(app) -> dict[str, str]:
    """Who should and should not get a reminder within the default 24 hours."""
    with app.app_context():
        soon = make_meeting(starts_in=dt.timedelta(hours=10), title="Tavolo di lavoro")
        later = make_meeting(starts_in=dt.timedelta(days=3))
        off = make_meeting(starts_in=dt.timedelta(hours=5), status=MeetingStatus.CANCELLED)
        people = {name: make_user(name=name.title())
                  for name in ("anna", "bruno", "carla", "dario", "elena", "fabio")}
        make_registration(soon, people["anna"])
        make_registration(soon, people["bruno"])
        make_registration(soon, people["carla"], RegistrationStatus.WAITLISTED)
        make_registration(soon, people["dario"], RegistrationStatus.CANCELLED)
        make_registration(later, people["elena"])
        make_registration(off, people["fabio"])
        return {name: user.email for name, user in people.items()}


def test_the_worker_sends_each_reminder_once(app, runner, mail_server):
    people = setup_meetings(app)
    first = runner.invoke(args=["outbox", "deliver"])
    assert first.exit_code == 0, first.output
    assert "queued 2 meeting reminders" in first.output
    reminded = sorted(m["To"] for m in mail_server.messages)
    assert reminded == sorted([people["anna"], people["bruno"]])
    text = mail_server.text_of(mail_server.messages_to(people["anna"])[0])
    assert mail_server.messages_to(people["anna"])[0]["Subject"] == "Promemoria: Tavolo di lavoro"
    assert "http://localhost/meetings/" in text and "/ticket" in text

    second = runner.invoke(args=["outbox", "deliver"])
    assert second.exit_code == 0 and "reminders" not in second.output
    assert len(mail_server.messages) == 2


def test_each_meeting_has_its_own_reminders(app, ctx):
    people = setup_meetings(app)
    early = make_meeting(starts_in=dt.timedelta(days=3), reminders=(96, 24))
    make_registration(early, make_user(email="gino@example.org"))
    assert services.queue_due_reminders() == 3
    addresses = set(db.session.scalars(select(OutboxMessage.to_address)))
    assert addresses == {people["anna"], people["bruno"], "gino@example.org"}


def test_two_workers_at_the_same_moment_queue_each_reminder_once(app):
    setup_meetings(app)
    start = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            with app.app_context():
                start.wait(timeout=30)
                results.append(services.queue_due_reminders())
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(results) == 2
    with app.app_context():
        keys = db.session.scalars(select(OutboxMessage.dedupe_key)).all()
        assert sorted(keys) == sorted(set(keys)) and len(keys) == 2


def test_a_reminder_row_that_exists_already_is_skipped_not_an_error(app, ctx):
    setup_meetings(app)
    row = {"to_address": "x@example.org", "subject": "s", "body_text": "t", "body_html": None,
           "attachments": [], "dedupe_key": "reminder:1:24", "status": "pending", "attempts": 0,
           "created_at": utcnow(), "next_attempt_at": utcnow()}
    assert services._insert_ignoring_duplicates([row]) == 1
    assert services._insert_ignoring_duplicates([row, {**row, "dedupe_key": "reminder:2:24"}]) == 1
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
