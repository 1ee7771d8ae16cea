from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.census.eligibility import Audience, Rule, rule_of
from civic.consultations.models import Consultation
from civic.database import db, str_enum, utcnow

# The audiences a new meeting proposes; the councillor may change them (they are content, not interface text).
DEFAULT_AUDIENCES = ["cittadini", "imprenditori", "professionisti", "partite IVA",
                     "associazioni di categoria"]


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    # Meetings that need the organisers' approval: a pending registration holds no seat; approving it takes
    # the seats then (or puts it on the waiting list), refusing it ends it.
    PENDING = "pending"
    REFUSED = "refused"


# Statuses that keep a person registered (they cannot register again).
LIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING)


class QuestionKind(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    YES_NO = "yes_no"


COMPANIONS_LIMIT = 20  # the most companions an organiser may allow per registration


class InvalidTransition(Exception):
    """A status change the meeting lifecycle does not allow (e.g. cancelled -> held)."""


class Meeting(db.Model):
    """A public meeting of a consultation (incontro pubblico). Public when its consultation is not a draft.

    `confirmed_count` is the number of seats taken by confirmed registrations (each person and their
    companions), changed only by conditional UPDATE statements in civic.meetings.services so that capacity
    holds under concurrency; the check constraint is the last fence.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("audience_level BETWEEN 1 AND 3", name="audience_level_is_spid_level"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        CheckConstraint("confirmed_count >= 0", name="confirmed_not_negative"),
        CheckConstraint("capacity IS NULL OR confirmed_count <= capacity", name="within_capacity"),
        CheckConstraint("venue_name <> '' OR online_url IS NOT NULL", name="has_place"),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)",
                        name="longitude_range"),
        CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL "
            "OR registration_closes_at > registration_opens_at",
            name="registration_window_in_order",
        ),
        CheckConstraint("attendance_count IS NULL OR attendance_count >= 0", name="attendance_not_negative"),
        CheckConstraint("online_url IS NULL OR online_url LIKE 'https://%' OR online_url LIKE 'http://%'",
                        name="online_url_is_web"),
        CheckConstraint(f"companions_max >= 0 AND companions_max <= {COMPANIONS_LIMIT}",
                        name="companions_max_range"),
        CheckConstraint("check_in_opens_minutes >= 0", name="check_in_opens_not_negative"),
        Index("ix_meetings_status_starts_at", "status", "starts_at"),
    )

    TRANSITIONS = {
        MeetingStatus.SCHEDULED: {MeetingStatus.CANCELLED, MeetingStatus.HELD},
        MeetingStatus.CANCELLED: set(),
        MeetingStatus.HELD: set(),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime]
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None] = mapped_column(Integer)
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0)
    registration_opens_at: Mapped[dt.datetime | None]
    # None: registration stays open until the meeting starts.
    registration_closes_at: Mapped[dt.datetime | None]
    audiences: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_AUDIENCES))
    # Who may register (civic.census.eligibility); a confirmed e-mail address unless the councillor says.
    audience: Mapped[Audience] = mapped_column(str_enum(Audience), default=Audience.CONFIRMED)
    audience_level: Mapped[int] = mapped_column(Integer, default=2)
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus), default=MeetingStatus.SCHEDULED, index=True
    )
    minutes: Mapped[str] = mapped_column(Text, default="")
    attendance_count: Mapped[int | None] = mapped_column(Integer)
    # iCalendar SEQUENCE: bumped on every change so calendars replace their copy.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[dt.datetime | None]
    # Registration forms: registrations wait for an organiser's approval; each person may bring up to this
    # many companions (each takes a seat); the door accepts tickets from this many minutes before the start.
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    companions_max: Mapped[int] = mapped_column(Integer, default=0)
    check_in_opens_minutes: Mapped[int] = mapped_column(Integer, default=60)

    consultation: Mapped[Consultation] = relationship()
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    questions: Mapped[list[RegistrationQuestion]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="RegistrationQuestion.position"
    )
    quotas: Mapped[list[Quota]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Quota.category"
    )
    reminders: Mapped[list[Reminder]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Reminder.hours_before.desc()"
    )

    def __repr__(self) -> str:
        return f"<Meeting {self.id}>"

    @property
    def body_id(self) -> int:
        return self.consultation.body_id

    @property
    def is_public(self) -> bool:
        return self.consultation.is_public

    @property
    def rule(self) -> Rule:
        """Who may register."""
        return rule_of(self.audience, self.audience_level, self.body_id, lambda: self.consultation.body)

    @property
    def seats_left(self) -> int | None:
        """Free seats, or None when there is no limit."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed_count, 0)

    def check_in_opens_at(self) -> dt.datetime:
        return self.starts_at - dt.timedelta(minutes=self.check_in_opens_minutes or 0)

    def is_upcoming(self, now: dt.datetime | None = None) -> bool:
        return self.ends_at > (now or utcnow())

    def registration_state(self, now: dt.datetime | None = None) -> str:
        """"open", "not_yet" (before the window), "closed" (after it, or not scheduled)."""
        now = now or utcnow()
        if self.status != MeetingStatus.SCHEDULED:
            return "closed"
        if self.registration_opens_at is not None and now < self.registration_opens_at:
            return "not_yet"
        closes = self.registration_closes_at or self.starts_at
        return "open" if now < closes else "closed"

    def move_to(self, target: MeetingStatus) -> None:
        if target not in self.TRANSITIONS[self.status]:
            raise InvalidTransition(f"{self.status} -> {target}")
        self.status = target


class AgendaItem(db.Model):
    """One line of a meeting's programme; `time` is the local (Europe/Rome) time of day."""

    __tablename__ = "meeting_agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    time: Mapped[dt.time | None] = mapped_column(Time)
    title: Mapped[str] = mapped_column(String(200))
    speaker: Mapped[str] = mapped_column(String(120), default="")
    affiliation: Mapped[str] = mapped_column(String(200), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")


class Registration(db.Model):
    """A person's RSVP to a meeting: one per person and meeting, whatever its status."""

    __tablename__ = "meeting_registrations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        Index("ix_meeting_registrations_queue", "meeting_id", "status", "queued_at"),
        CheckConstraint("status <> 'confirmed' OR confirmed_at IS NOT NULL", name="confirmed_has_time"),
        CheckConstraint(f"companions >= 0 AND companions <= {COMPANIONS_LIMIT}", name="companions_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus), index=True)
    # People coming with the registrant: each takes a seat (and a place in the category's quota).
    companions: Mapped[int] = mapped_column(Integer, default=0)
    # The answers to the organisers' questions, as asked: [{"question_id", "question", "answer"}].
    answers: Mapped[list] = mapped_column(JSON, default=list)
    category: Mapped[str] = mapped_column(String(80), index=True)
    accessibility_needs: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    # Random, unguessable, shown as a QR code; the door staff type or scan it.
    ticket_code: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Order of the waiting list: the last time the person asked for a seat.
    queued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    checked_in_at: Mapped[dt.datetime | None]
    # When an organiser approved or refused it (meetings that need approval).
    decided_at: Mapped[dt.datetime | None]

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Registration {self.id}>"

    @property
    def seats(self) -> int:
        """The seats it takes once confirmed: the person and their companions."""
        return 1 + (self.companions or 0)


class RegistrationQuestion(db.Model):
    """A question of the organisers on the registration form: free text, one of `choices`, or yes/no."""

    __tablename__ = "meeting_questions"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    label: Mapped[str] = mapped_column(String(300))
    choices: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="questions")


class Quota(db.Model):
    """The seats kept for one audience category (residents 40, press 5). `taken` counts the seats of the
    confirmed registrations of that category, changed only with the meeting's counter, by conditional
    UPDATEs in civic.meetings.services; the check constraint is the last fence."""

    __tablename__ = "meeting_quotas"
    __table_args__ = (
        UniqueConstraint("meeting_id", "category"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("taken >= 0 AND taken <= seats", name="taken_within_seats"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(80))
    seats: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)

    meeting: Mapped[Meeting] = relationship(back_populates="quotas")

    @property
    def seats_left(self) -> int:
        return max(self.seats - self.taken, 0)


class Reminder(db.Model):
    """A reminder of a meeting, `hours_before` its start; `due_at` is kept equal to the start minus those
    hours by civic.meetings.services, so the worker finds due reminders with one indexed comparison."""

    __tablename__ = "meeting_reminders"
    __table_args__ = (
        UniqueConstraint("meeting_id", "hours_before"),
        CheckConstraint("hours_before >= 1", name="hours_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    hours_before: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime] = mapped_column(index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="reminders")
