from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.bodies.models import Body
from civic.database import db, str_enum, utcnow


class ConsultationStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"


class InvalidTransition(Exception):
    """A status change the lifecycle does not allow (e.g. archived -> published)."""


class Consultation(db.Model):
    """A public process about one topic, owned by a body. Drafts are visible only to its managers."""

    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint("closes_on IS NULL OR opens_on IS NULL OR closes_on >= opens_on", name="dates_in_order"),
        Index("ix_consultations_status_body", "status", "body_id"),
    )

    # Which moves the lifecycle allows; anything else raises InvalidTransition.
    TRANSITIONS = {
        ConsultationStatus.DRAFT: {ConsultationStatus.PUBLISHED},
        ConsultationStatus.PUBLISHED: {ConsultationStatus.CLOSED},
        ConsultationStatus.CLOSED: {ConsultationStatus.PUBLISHED, ConsultationStatus.ARCHIVED},
        ConsultationStatus.ARCHIVED: set(),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Topic tags, lower-case words, e.g. ["coworking", "lavoro"].
    topics: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[ConsultationStatus] = mapped_column(
        str_enum(ConsultationStatus), default=ConsultationStatus.DRAFT, index=True
    )
    opens_on: Mapped[dt.date | None]
    closes_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None]

    body: Mapped[Body] = relationship()

    @property
    def is_public(self) -> bool:
        return self.status != ConsultationStatus.DRAFT

    def _move(self, target: ConsultationStatus) -> None:
        if target not in self.TRANSITIONS[self.status]:
            raise InvalidTransition(f"{self.status} -> {target}")
        self.status = target

    def publish(self) -> None:
        self._move(ConsultationStatus.PUBLISHED)
        if self.published_at is None:
            self.published_at = utcnow()

    def close(self) -> None:
        self._move(ConsultationStatus.CLOSED)

    def archive(self) -> None:
        self._move(ConsultationStatus.ARCHIVED)
