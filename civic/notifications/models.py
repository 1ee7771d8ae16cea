"""Who follows what, how each person wants to be told, and what they were told."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civic.database import db, str_enum, utcnow


class Delivery(enum.StrEnum):
    OFF = "off"  # not told at all
    SITE = "site"  # in the site only, no e-mail
    IMMEDIATE = "immediate"  # in the site and by e-mail at once
    DAILY = "daily"  # in the site at once, by e-mail in the daily digest


DEFAULT_DELIVERY = Delivery.IMMEDIATE


class Follow(db.Model):
    """A person follows one followable thing (civic.core.features.Followable): `target` is its kind."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "target", "target_id"),
        # Telling the followers of one thing reads them by this index.
        Index("ix_follows_target", "target", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NotificationSettings(db.Model):
    """One row per person who follows anything: the signed unsubscribe token, kept so that the e-mails of one
    batch carry it without signing in a loop (it is checked by its signature, not by this copy)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    unsubscribe_token: Mapped[str] = mapped_column(String(200))


class NotificationPreference(db.Model):
    """How a person wants one kind of notification; no row means DEFAULT_DELIVERY."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Notification(db.Model):
    """What a person was told, shown in the site until read; `digest_pending` while the daily digest has yet
    to carry it by e-mail."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_digest", "digest_pending", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))  # the followed thing's title when it happened
    detail: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(500))  # the path of its page
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    digest_pending: Mapped[bool] = mapped_column(Boolean, default=False)
