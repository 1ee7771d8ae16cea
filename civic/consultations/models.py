from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.bodies.models import Body
from civic.database import db, str_enum, utcnow


class ConsultationStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"


STATUS_LABELS = {
    ConsultationStatus.DRAFT: _l("Draft"),
    ConsultationStatus.PUBLISHED: _l("Ongoing"),
    ConsultationStatus.CLOSED: _l("Concluded"),
    ConsultationStatus.ARCHIVED: _l("Archived"),
}


class InvalidTransition(Exception):
    """A status change the lifecycle does not allow (e.g. archived -> published)."""


class ConsultationTopic(db.Model):
    """One topic tag of a consultation (a row, so the topic filter can use an index)."""

    __tablename__ = "consultation_topics"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ConsultationPhase(db.Model):
    """A step of a consultation (e.g. "Proposals", "Council vote"), shown in `position` order."""

    __tablename__ = "consultation_phases"
    __table_args__ = (
        UniqueConstraint("consultation_id", "position"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[dt.date]
    # Open-ended when None: the phase lasts until another one says otherwise.
    ends_on: Mapped[dt.date | None]
    description: Mapped[str] = mapped_column(Text, default="")

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def public_status(status: ConsultationStatus) -> bool:
    """Whether a consultation in this status is shown to citizens: any but a draft."""
    return status != ConsultationStatus.DRAFT


class Consultation(db.Model):
    """A public process about one topic, owned by a body. Drafts are visible only to its managers."""

    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint("closes_on IS NULL OR opens_on IS NULL OR closes_on >= opens_on",
                        name="dates_in_order"),
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
    status: Mapped[ConsultationStatus] = mapped_column(
        str_enum(ConsultationStatus), default=ConsultationStatus.DRAFT, index=True
    )
    opens_on: Mapped[dt.date | None]
    closes_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    # Who may comment (civic.census.eligibility.Audience: confirmed, identity or resident; the least SPID/CIE
    # level for identity). Comments always need an account with a confirmed e-mail address.
    comment_audience: Mapped[str] = mapped_column(String(20), default="confirmed", server_default="confirmed")
    comment_audience_level: Mapped[int] = mapped_column(default=2, server_default="2")

    body: Mapped[Body] = relationship()
    topic_rows: Mapped[list[ConsultationTopic]] = relationship(
        cascade="all, delete-orphan", order_by=ConsultationTopic.name
    )
    phases: Mapped[list[ConsultationPhase]] = relationship(
        cascade="all, delete-orphan", order_by=ConsultationPhase.position
    )

    # Topic tags as plain lower-case words, e.g. ["coworking", "lavoro"]; stored one row each.
    topics: AssociationProxy[list[str]] = association_proxy(
        "topic_rows", "name", creator=lambda name: ConsultationTopic(name=name)
    )

    @property
    def is_public(self) -> bool:
        return public_status(self.status)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def current_phase(self, today: dt.date) -> ConsultationPhase | None:
        """The phase running today (the latest one, if they overlap); None before, between or after them."""
        running = [phase for phase in self.phases if phase.covers(today)]
        return running[-1] if running else None

    def can_move_to(self, target: ConsultationStatus) -> bool:
        return target in self.TRANSITIONS[self.status]

    def _move(self, target: ConsultationStatus) -> None:
        if not self.can_move_to(target):
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
