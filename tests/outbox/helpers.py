"""Helpers of the outbox tests: queue messages, run a worker round at a given moment, read the rows back."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from civic.database import db
from civic.outbox import services
from civic.outbox.models import OutboxMessage


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
