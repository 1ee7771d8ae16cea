"""Helpers of the outbox tests: queue messages, run a worker round at a given moment, read the rows back."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from civic.database import db, utcnow
from civic.outbox import services
from civic.outbox.models import MessageStatus, OutboxMessage

PAGE = "/manage/admin/outbox/"
ADMIN = "ada@example.org"
SUBJECT = "Conferma il tuo indirizzo"


def queue(app, count: int = 1, to: str = "person{n}@example.org", **kwargs) -> list[int]:
    """Queue `count` messages (to person0@..., person1@... unless `to` says otherwise); their ids."""
    with app.app_context():
        messages = [services.enqueue(to.format(n=n), f"Subject {n}", f"Open https://civic.example/link/{n}",
                                     **kwargs) for n in range(count)]
        db.session.commit()
        return [message.id for message in messages]


def deliver_at(app, now: dt.datetime, **kwargs) -> dict[str, int]:
    """One round of the outbox worker with the clock at `now`."""
    with app.app_context():
        counts = services.deliver_pending(now=now, **kwargs)
        db.session.remove()
    return counts


def rows(app) -> list[OutboxMessage]:
    """Every outbox row, detached, by id."""
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        db.session.remove()
    return found


def set_state(app, message_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
        db.session.commit()


def messages_in_every_state(app) -> dict[str, int]:
    """One message in each state an administrator may meet (all to g***@example.org); their ids by state."""
    ids = dict(zip(["failed", "stuck", "retrying", "waiting", "sent", "sending", "overdue"],
                   queue(app, 7, to="giulia.{n}@example.org"), strict=True))
    now = utcnow()
    set_state(app, ids["failed"], status=MessageStatus.FAILED, attempts=77, subject=SUBJECT,
              last_error="SMTPRecipientsRefused: {'g***@example.org': (550, b'no such user')}")
    set_state(app, ids["stuck"], status=MessageStatus.SENDING, attempts=3,
              claimed_at=now - dt.timedelta(hours=2))
    set_state(app, ids["retrying"], attempts=2, next_attempt_at=now + dt.timedelta(minutes=2),
              last_error="ConnectionRefusedError: [Errno 111] Connection refused")
    set_state(app, ids["sent"], status=MessageStatus.SENT, attempts=1, sent_at=now)
    set_state(app, ids["sending"], status=MessageStatus.SENDING, attempts=1, claimed_at=now)
    set_state(app, ids["overdue"], next_attempt_at=now - dt.timedelta(hours=1))
    return ids
