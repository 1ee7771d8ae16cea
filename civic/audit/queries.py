"""Reads of the audit log."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from civic.audit.models import AuditEntry, SecurityEvent


def recent_entries(body_id: int | None = None) -> Select[tuple[AuditEntry]]:
    """Newest first, with the actor loaded in the same query."""
    query = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if body_id is not None:
        query = query.where(AuditEntry.body_id == body_id)
    return query


def security_events(kind: str | None = None, user_id: int | None = None, start: dt.datetime | None = None,
                    end: dt.datetime | None = None) -> Select[tuple[SecurityEvent]]:
    """Security events newest first, with their account, filtered by kind, account and time (from `start`
    included to `end` excluded); each filter has its index."""
    query = select(SecurityEvent).options(joinedload(SecurityEvent.user)).order_by(SecurityEvent.id.desc())
    if kind:
        query = query.where(SecurityEvent.kind == kind)
    if user_id is not None:
        query = query.where(SecurityEvent.user_id == user_id)
    if start is not None:
        query = query.where(SecurityEvent.at >= start)
    if end is not None:
        query = query.where(SecurityEvent.at < end)
    return query


def security_event_kinds() -> Select[tuple[str]]:
    """The kinds of event recorded so far, in order."""
    return select(SecurityEvent.kind).distinct().order_by(SecurityEvent.kind)
