"""Writing to the audit log. Every service that changes public content calls record()."""
from __future__ import annotations

from civic.audit.models import AuditEntry
from civic.database import db


def record(actor, action: str, obj, summary: str = "", body_id: int | None = None) -> AuditEntry:
    """Add one audit entry for `action` by `actor` (a user, or None for the system) on `obj` (any model with
    an id); flushed with the caller's change."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__tablename__ if hasattr(type(obj), "__tablename__") else type(obj).__name__,
        object_id=getattr(obj, "id", None),
        body_id=body_id if body_id is not None else getattr(obj, "body_id", None),
        summary=summary[:500],
    )
    db.session.add(entry)
    return entry
