from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, query_expression

from civic.database import db, str_enum, utcnow


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first try, or for the next one after a failure
    SENDING = "sending"  # claimed by a worker at claimed_at
    SENT = "sent"
    FAILED = "failed"  # given up after CIVIC_OUTBOX_RETRY_HOURS; an administrator can send it again


def masked(address: str) -> str:
    """The address with its local part hidden but the first letter (g***@example.org): enough for an
    administrator to tell messages apart without reading whole addresses."""
    local, at, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # [{"filename": ..., "content_type": "text/calendar", "data": base64}, ...]
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    # Messages that must go out once only (a reminder per registration) carry a unique key.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    # An https address that stops this kind of e-mail with one POST (RFC 8058 List-Unsubscribe), if any.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When the last attempt began: a worker's claim, which another worker takes over once it is too old.
    claimed_at: Mapped[dt.datetime | None]
    # When an administrator last sent it again: the retry period counts from then instead of created_at.
    requeued_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    # What an administrator reads (failed, stuck, retrying ...), computed by the query that lists the messages
    # (queries.needing_attention); None elsewhere.
    state: Mapped[str | None] = query_expression()

    @property
    def masked_recipient(self) -> str:
        return masked(self.to_address)

    @property
    def retry_from(self) -> dt.datetime:
        """Where the period of retries starts: the last time it was sent again, or when it was queued."""
        return self.requeued_at or self.created_at
