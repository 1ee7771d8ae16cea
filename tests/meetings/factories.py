"""Meetings test data. Call inside an app context; each factory commits what it makes."""
from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import insert, update

from civic.accounts.models import User
from civic.bodies.models import Body
from civic.consultations.models import Consultation, ConsultationStatus
from civic.database import db, utcnow
from civic.meetings import tickets
from civic.meetings.models import (
    DEFAULT_AUDIENCES,
    AgendaItem,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    Reminder,
)
from tests.factories import PASSWORD, _password_hash, make_body

_sequence = itertools.count(1)


def make_consultation(body: Body | None = None, status: ConsultationStatus = ConsultationStatus.PUBLISHED,
                      slug: str | None = None, title: str | None = None) -> Consultation:
    n = next(_sequence)
    consultation = Consultation(slug=slug or f"consultation-{n}", body_id=(body or make_body()).id,
                                title=title or f"Consultation {n}", status=status)
    db.session.add(consultation)
    db.session.commit()
    return consultation


def make_meeting(consultation: Consultation | None = None, capacity: int | None = None,
                 starts_in: dt.timedelta = dt.timedelta(days=7), hours: float = 2,
                 status: MeetingStatus = MeetingStatus.SCHEDULED, confirmed_count: int = 0,
                 agenda: list[tuple] | None = None, reminders: tuple[int, ...] = (24,), **fields) -> Meeting:
    n = next(_sequence)
    starts = fields.pop("starts_at", None) or (utcnow() + starts_in).replace(microsecond=0)
    meeting = Meeting(
        consultation_id=(consultation or make_consultation()).id,
        title=fields.pop("title", f"Meeting {n}"),
        starts_at=starts,
        ends_at=fields.pop("ends_at", None) or starts + dt.timedelta(hours=hours),
        venue_name=fields.pop("venue_name", "Sala consiliare"),
        venue_address=fields.pop("venue_address", "Piazza del Municipio 1"),
        capacity=capacity,
        confirmed_count=confirmed_count,
        audiences=fields.pop("audiences", list(DEFAULT_AUDIENCES)),
        status=status,
        **fields,
    )
    for position, (time, title, speaker, affiliation) in enumerate(agenda or [], start=1):
        meeting.agenda_items.append(AgendaItem(position=position, time=time, title=title, speaker=speaker,
                                               affiliation=affiliation))
    # Like a meeting created by the service with the default CIVIC_REMINDER_HOURS.
    meeting.reminders.extend(Reminder(hours_before=hours, due_at=starts - dt.timedelta(hours=hours))
                             for hours in reminders)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def make_registration(meeting: Meeting, user: User, status: RegistrationStatus = RegistrationStatus.CONFIRMED,
                      category: str = "cittadini", queued_at: dt.datetime | None = None,
                      companions: int = 0, answers: list | None = None) -> Registration:
    """A registration; a confirmed one takes its seats in the meeting's counter, as the service does (the
    meeting's quotas are left as they are)."""
    now = queued_at or utcnow()
    registration = Registration(
        meeting_id=meeting.id, user_id=user.id, status=status, category=category,
        ticket_code=tickets.new_code(), queued_at=now, created_at=now, companions=companions,
        answers=answers or [], confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
    )
    db.session.add(registration)
    if status == RegistrationStatus.CONFIRMED:
        db.session.execute(update(Meeting).where(Meeting.id == meeting.id)
                           .values(confirmed_count=Meeting.confirmed_count + 1 + companions))
    db.session.commit()
    db.session.refresh(meeting)
    return registration


def bulk_registrations(meeting_id: int, count: int, confirmed: bool = True) -> None:
    """`count` people registered at once, with two INSERT statements (for query-count tests at scale)."""
    n = next(_sequence)
    now = utcnow()
    password_hash = _password_hash(PASSWORD)
    users = [
        {"email": f"bulk{n}-{i}@example.org", "display_name": f"Bulk {i}", "password_hash": password_hash,
         "privacy_accepted_at": now, "email_confirmed_at": now, "is_admin": False, "is_active_account": True,
         "created_at": now, "password_changed_at": now}
        for i in range(count)
    ]
    ids = db.session.scalars(insert(User).returning(User.id), users).all()
    status = RegistrationStatus.CONFIRMED if confirmed else RegistrationStatus.WAITLISTED
    db.session.execute(insert(Registration), [
        {"meeting_id": meeting_id, "user_id": user_id, "status": status, "category": DEFAULT_AUDIENCES[i % 5],
         "ticket_code": tickets.new_code(), "created_at": now, "queued_at": now,
         "confirmed_at": now if confirmed else None, "accessibility_needs": "", "note": "", "companions": 0,
         "answers": []}
        for i, user_id in enumerate(ids)
    ])
    if confirmed:
        db.session.execute(update(Meeting).where(Meeting.id == meeting_id)
                           .values(confirmed_count=Meeting.confirmed_count + count))
    db.session.commit()
