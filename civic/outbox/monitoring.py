"""What operators watch of the outbox: its messages by status, the backlog of messages due and not sent, and
how long the oldest has waited (GET /metrics); and the backlog check of /readyz (CIVIC_READY_OUTBOX_LIMIT)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import Select, func, select

from civic.core.features import Metric
from civic.core.health import Check
from civic.database import db, utcnow
from civic.outbox.models import MessageStatus, OutboxMessage


def messages_by_status() -> Select:
    """(status, number of messages) for every status that has some."""
    return select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)


def due_backlog(now) -> Select:
    """(number of pending messages whose time has come, the oldest one's due time)."""
    return select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= now)


def _by_status() -> dict[tuple[str, ...], int]:
    counts = {(status.value,): 0 for status in MessageStatus}
    for status, number in db.session.execute(messages_by_status()):
        counts[(MessageStatus(status).value,)] = number
    return counts


def _due() -> int:
    return db.session.execute(due_backlog(utcnow())).one()[0]


def _oldest_due_seconds() -> float:
    now = utcnow()
    oldest = db.session.execute(due_backlog(now)).one()[1]
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite gives the aggregate back without the column's type
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max((now - oldest).total_seconds(), 0.0)


METRICS = (
    Metric("civic_outbox_messages", "E-mail messages in the outbox, by status (failed: given up after the "
           "last attempt).", _by_status, labels=("status",)),
    Metric("civic_outbox_due_messages",
           "Pending e-mail messages whose time to be sent has come (the backlog).", _due),
    Metric("civic_outbox_oldest_due_seconds",
           "How long the oldest due e-mail message has waited, in seconds.", _oldest_due_seconds),
)


def backlog_check() -> Check:
    """Ready while the due messages are at most CIVIC_READY_OUTBOX_LIMIT (0: never checked)."""
    limit = current_app.config["CIVIC_READY_OUTBOX_LIMIT"]
    due = _due()
    return Check("outbox", not limit or due <= limit, facts={"due": due, "limit": limit})
