"""Reads of the outbox: what a worker may claim, and what administrators must see (failed and stuck mail)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import with_expression

from civic.outbox.models import MessageStatus, OutboxMessage


def reclaimable(now: dt.datetime, reclaim_after: dt.timedelta) -> ColumnElement[bool]:
    """Left "sending" longer than `reclaim_after`: its worker died (or lost the database) while sending.
    A row without a claim time comes from before claims were timed and is taken back at once."""
    return and_(
        OutboxMessage.status == MessageStatus.SENDING,
        or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at <= now - reclaim_after),
    )


def claimable(now: dt.datetime, reclaim_after: dt.timedelta) -> ColumnElement[bool]:
    """What a worker may claim now: pending and due, or reclaimable."""
    return or_(
        and_(OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        reclaimable(now, reclaim_after),
    )


def due(now: dt.datetime, reclaim_after: dt.timedelta, limit: int) -> Select:
    """(id, status) of the messages a worker may claim now, oldest first."""
    return (
        select(OutboxMessage.id, OutboxMessage.status)
        .where(claimable(now, reclaim_after))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )


def overdue(now: dt.datetime, reclaim_after: dt.timedelta) -> ColumnElement[bool]:
    """Pending and due for longer than a worker takes to pick it up: no worker is delivering."""
    return and_(OutboxMessage.status == MessageStatus.PENDING,
                OutboxMessage.next_attempt_at <= now - reclaim_after)


def state(now: dt.datetime, reclaim_after: dt.timedelta):
    """The state an administrator reads, as SQL: failed, stuck, retrying, waiting, sending or sent."""
    return case(
        (OutboxMessage.status == MessageStatus.FAILED, "failed"),
        (or_(reclaimable(now, reclaim_after), overdue(now, reclaim_after)), "stuck"),
        (and_(OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.attempts > 0), "retrying"),
        (OutboxMessage.status == MessageStatus.PENDING, "waiting"),
        (OutboxMessage.status == MessageStatus.SENDING, "sending"),
        else_="sent",
    )


ATTENTION = ("failed", "stuck", "retrying")
# Sent messages pile up for ever; every listing below reads only the others (through the status index).
UNSENT = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.FAILED)


def needing_attention(now: dt.datetime, reclaim_after: dt.timedelta) -> Select:
    """Messages failed, stuck or being retried after an error, newest first, each with its `state`."""
    current = state(now, reclaim_after)
    return (
        select(OutboxMessage)
        .options(with_expression(OutboxMessage.state, current))
        .where(OutboxMessage.status.in_(UNSENT), current.in_(ATTENTION))
        .order_by(OutboxMessage.id.desc())
    )


def needing_attention_count(now: dt.datetime, reclaim_after: dt.timedelta) -> Select:
    """How many messages needing_attention() lists, counted without loading them."""
    return (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status.in_(UNSENT), state(now, reclaim_after).in_(ATTENTION))
    )


def state_counts(now: dt.datetime, reclaim_after: dt.timedelta) -> Select:
    """(state, count) of the messages not sent yet, for every state that has some; one GROUP BY."""
    current = state(now, reclaim_after).label("state")
    return select(current, func.count()).where(OutboxMessage.status.in_(UNSENT)).group_by(current)


def statuses(ids: list[int]) -> Select:
    """(id, status) of those of these messages that exist."""
    return select(OutboxMessage.id, OutboxMessage.status).where(OutboxMessage.id.in_(ids))
