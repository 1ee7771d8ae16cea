"""Reads of the audit log."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from civic.audit.models import AuditEntry


def recent_entries(body_id: int | None = None) -> Select[tuple[AuditEntry]]:
    """Newest first, with the actor loaded in the same query."""
    query = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if body_id is not None:
        query = query.where(AuditEntry.body_id == body_id)
    return query
