from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.database import db, utcnow


class AuditEntry(db.Model):
    """Who changed what, when. Written by services of every feature; read by admins."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="SET NULL"), index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")

    # By name: accounts write the audit log, so audit does not import them.
    actor = relationship("User")


class SecurityEvent(db.Model):
    """Something that matters to the security of accounts (ASVS 7.1): a sign-in and its failure, a lockout, a
    sign-out, a password reset asked and used, an e-mail or role change, a refused management page, a SPID or
    CIE sign-in. Kept without secrets and with the least personal data: the account when there is one, a keyed
    hash of the address typed when there is none (to see attempts on one address without keeping it), and the
    client's network rather than its address (IPv4 /24, IPv6 /48)."""

    __tablename__ = "security_events"
    __table_args__ = (
        # One index per filter of the administrators' page, each ending with the order of the list.
        Index("ix_security_events_kind_id", "kind", "id"),
        Index("ix_security_events_user_id", "user_id", "id"),
        Index("ix_security_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str | None] = mapped_column(String(16))
    network: Mapped[str | None] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(String(200), default="")

    user = relationship("User")
