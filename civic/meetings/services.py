"""Meeting rules: publishing and changing meetings, RSVP with a waiting list, cancellation with promotion,
check-in, reminders. Every function validates, changes, flushes and returns; the view commits once, and
rolls back when a MeetingError comes out (a seat may already have been taken in the transaction).

Capacity under concurrency: `meetings.confirmed_count` changes only through conditional UPDATE statements
checked by their row count. A seat is taken by ONE statement,
    UPDATE meetings SET confirmed_count = confirmed_count + 1
     WHERE id = :id AND (capacity IS NULL OR confirmed_count < capacity)
which is the first write of its transaction: on SQLite it takes the database write lock before anything is
read inside the transaction (so no stale snapshot), on PostgreSQL it locks the meeting row and re-checks the
condition on the newest row version. The registration row is written in the same transaction, so the count
and the confirmed rows commit (or roll back) together.
"""
from __future__ import annotations

import datetime as dt
import enum

from flask import current_app, has_request_context
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from civic.accounts.models import User
from civic.audit.services import record
from civic.consultations.models import Consultation
from civic.core import pagecache
from civic.database import db, utcnow
from civic.meetings import mail, queries, tickets
from civic.meetings.models import (
    AgendaItem,
    InvalidTransition,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from civic.outbox.models import MessageStatus, OutboxMessage

# The meeting fields a councillor edits (everything but status, counts and outcome).
EDITABLE_FIELDS = (
    "title", "description", "starts_at", "ends_at", "venue_name", "venue_address", "latitude", "longitude",
    "online_url", "registration_opens_at", "registration_closes_at", "audiences",
)


class MeetingError(Exception):
    """A rule refused the change; the message is translated and meant for the user. `field` names the form
    field it concerns, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AlreadyRegistered(MeetingError):
    """The person already holds a registration (confirmed or waitlisted) for this meeting."""


def _already_registered() -> AlreadyRegistered:
    return AlreadyRegistered(_("You are already registered for this meeting."))


class RegistrationNotOpen(MeetingError):
    """Registration is not open: it opens later (`not_yet`) or it is over."""

    def __init__(self, message: str, not_yet: bool):
        super().__init__(message)
        self.not_yet = not_yet


class CheckIn(enum.StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    NOT_CONFIRMED = "not_confirmed"
    UNKNOWN = "unknown"


# --- seats: the only writers of meetings.confirmed_count --------------------------------------------------


def _take_seat(meeting_id: int) -> bool:
    """Take one seat if one is free; True when taken. One conditional statement, checked by row count."""
    result = db.session.execute(
        update(Meeting)
        .where(
            Meeting.id == meeting_id,
            or_(Meeting.capacity.is_(None), Meeting.confirmed_count < Meeting.capacity),
        )
        .values(confirmed_count=Meeting.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release_seat(meeting_id: int) -> None:
    db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.confirmed_count > 0)
        .values(confirmed_count=Meeting.confirmed_count - 1)
        .execution_options(synchronize_session=False)
    )


def _move_registration(registration_id: int, source: RegistrationStatus, target: RegistrationStatus,
                       **values) -> bool:
    """Change a registration's status only if it still has `source`; True when it did."""
    result = db.session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.status == source)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _refresh(*objects) -> None:
    """Reload objects changed behind the ORM's back by the conditional UPDATEs above."""
    for obj in objects:
        db.session.refresh(obj)


# --- councillors: meetings ---------------------------------------------------------------------------------


def _bump(meeting: Meeting) -> None:
    """Every change bumps the iCalendar SEQUENCE, so calendars replace their copy."""
    meeting.sequence = (meeting.sequence or 0) + 1
    meeting.updated_at = utcnow()


def _set_agenda(meeting: Meeting, items: list[dict]) -> None:
    """Replace the agenda; rows are updated in place so (meeting, position) stays unique at every step."""
    current = list(meeting.agenda_items)
    for position, values in enumerate(items, start=1):
        if position <= len(current):
            item = current[position - 1]
            for name, value in values.items():
                setattr(item, name, value)
        else:
            meeting.agenda_items.append(AgendaItem(position=position, **values))
    for extra in current[len(items):]:
        meeting.agenda_items.remove(extra)


def _check_place_and_times(fields: dict) -> None:
    if fields["ends_at"] <= fields["starts_at"]:
        raise MeetingError(_("The meeting must end after it starts."), field="ends_at")
    if not fields.get("venue_name") and not fields.get("online_url"):
        raise MeetingError(_("Give a venue, an online link, or both."), field="venue_name")
    opens, closes = fields.get("registration_opens_at"), fields.get("registration_closes_at")
    if opens and closes and closes <= opens:
        raise MeetingError(_("Registration must close after it opens."), field="registration_closes_at")
    if closes and closes > fields["ends_at"]:
        raise MeetingError(_("Registration cannot close after the meeting ends."),
                           field="registration_closes_at")


def create_meeting(actor: User, consultation: Consultation, fields: dict, agenda: list[dict]) -> Meeting:
    """A new scheduled meeting of the consultation; `fields` holds EDITABLE_FIELDS and capacity."""
    _check_place_and_times(fields)
    meeting = Meeting(
        consultation=consultation,
        capacity=fields.get("capacity"),
        confirmed_count=0,
        **{name: fields.get(name) for name in EDITABLE_FIELDS},
    )
    meeting.venue_name = meeting.venue_name or ""
    meeting.venue_address = meeting.venue_address or ""
    meeting.description = meeting.description or ""
    db.session.add(meeting)
    _set_agenda(meeting, agenda)
    db.session.flush()
    record(actor, "meeting.create", meeting, meeting.title, body_id=consultation.body_id)
    return meeting


def update_meeting(actor: User, meeting: Meeting, fields: dict, agenda: list[dict]) -> list[Registration]:
    """Change a meeting. Lowering the capacity below the confirmed registrations is refused; raising it (or
    removing it) promotes people from the waiting list. Returns the people promoted."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("A cancelled meeting cannot be changed."))
    _check_place_and_times(fields)
    capacity = fields.get("capacity")
    grew = False
    if capacity != meeting.capacity:
        # Conditional, so a registration arriving meanwhile cannot leave more confirmed people than seats.
        condition = [Meeting.id == meeting.id]
        if capacity is not None:
            condition.append(Meeting.confirmed_count <= capacity)
        result = db.session.execute(
            update(Meeting).where(*condition).values(capacity=capacity).execution_options(synchronize_session=False)
        )
        db.session.refresh(meeting)
        if result.rowcount != 1:
            raise MeetingError(
                _("The capacity cannot be lower than the %(count)d people already confirmed. Ask some of "
                  "them to cancel, or keep at least %(count)d seats.", count=meeting.confirmed_count),
                field="capacity",
            )
        grew = True
    for name in EDITABLE_FIELDS:
        setattr(meeting, name, fields.get(name))
    meeting.venue_name = meeting.venue_name or ""
    meeting.venue_address = meeting.venue_address or ""
    meeting.description = meeting.description or ""
    _set_agenda(meeting, agenda)
    _bump(meeting)
    db.session.flush()
    record(actor, "meeting.update", meeting, meeting.title, body_id=meeting.consultation.body_id)
    return promote_waitlisted(meeting) if grew else []


def cancel_meeting(actor: User, meeting: Meeting, reason: str = "") -> int:
    """Cancel a scheduled meeting and tell everyone registered (with an updated .ics). Returns how many."""
    try:
        meeting.move_to(MeetingStatus.CANCELLED)
    except InvalidTransition as error:
        raise MeetingError(_("Only a scheduled meeting can be cancelled.")) from error
    meeting.cancelled_at = utcnow()
    _bump(meeting)
    db.session.flush()
    people = db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.user))
        .where(Registration.meeting_id == meeting.id,
               Registration.status.in_([RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]))
    ).all()
    for registration in people:
        mail.send_meeting_cancelled(registration, meeting, reason.strip())
    record(actor, "meeting.cancel", meeting, meeting.title, body_id=meeting.consultation.body_id)
    return len(people)


def record_outcome(actor: User, meeting: Meeting, minutes: str, attendance_count: int | None,
                   now: dt.datetime | None = None) -> None:
    """Mark a meeting as held (once it has started) and keep its minutes and attendance; later calls only
    update the minutes and attendance."""
    now = now or utcnow()
    if meeting.status == MeetingStatus.SCHEDULED:
        if now < meeting.starts_at:
            raise MeetingError(_("A meeting can be marked as held only once it has started."))
        meeting.move_to(MeetingStatus.HELD)
    elif meeting.status != MeetingStatus.HELD:
        raise MeetingError(_("A cancelled meeting cannot be marked as held."))
    meeting.minutes = minutes or ""
    meeting.attendance_count = attendance_count
    _bump(meeting)
    db.session.flush()
    record(actor, "meeting.held", meeting, meeting.title, body_id=meeting.consultation.body_id)


# --- citizens: registrations --------------------------------------------------------------------------------


def check_registration(meeting: Meeting, existing: Registration | None,
                       now: dt.datetime | None = None) -> None:
    """May the person register now? Raises AlreadyRegistered when `existing` (their registration for this
    meeting, or None) is confirmed or waitlisted, and RegistrationNotOpen outside the registration window.
    register() makes these checks itself; the registration page asks before showing its form."""
    if existing is not None and existing.status != RegistrationStatus.CANCELLED:
        raise _already_registered()
    state = meeting.registration_state(now or utcnow())
    if state == "not_yet":
        opens = format_datetime(meeting.registration_opens_at, "d MMMM y, HH:mm")
        raise RegistrationNotOpen(_("Registration opens on %(when)s.", when=opens), not_yet=True)
    if state != "open":
        raise RegistrationNotOpen(_("Registration for this meeting is closed."), not_yet=False)


_LOOK_UP = object()  # register(): the caller has not read the person's registration


def register(meeting: Meeting, user: User, category: str, accessibility_needs: str = "", note: str = "",
             now: dt.datetime | None = None,
             existing: Registration | None | object = _LOOK_UP) -> Registration:
    """RSVP: a confirmed seat while seats remain, otherwise a place on the waiting list; a ticket either way
    (it works at the door only once confirmed). Raises AlreadyRegistered for a second registration (also
    when two arrive at once: the unique constraint decides), RegistrationNotOpen outside the registration
    window (see check_registration) and MeetingError for a category the meeting does not list.
    `existing`: the person's registration for this meeting (or None) when the caller has just read it
    (queries.registration_of) before any write of this transaction; read here otherwise.

    From the seat's UPDATE to the commit, every other RSVP of the meeting waits (PostgreSQL locks the row,
    SQLite the whole database), so the e-mail is rendered before: for the outcome the counter read with the
    meeting foretells, and once more, inside, only when the race went the other way."""
    now = now or utcnow()
    # Read before the transaction's first write (SQLite opens its write transaction at the UPDATE below).
    if existing is _LOOK_UP:
        existing = db.session.scalar(queries.registration_of(meeting.id, user.id))
    check_registration(meeting, existing, now)
    if category not in (meeting.audiences or []):
        raise MeetingError(_("Choose one of the listed categories."), field="category")
    pagecache.changes(f"meeting:{meeting.id}", "meetings")  # only the pages showing its seats go stale
    code = existing.ticket_code if existing is not None else tickets.new_code()
    likely = meeting.capacity is None or meeting.confirmed_count < meeting.capacity
    message = _rsvp_mail(user, meeting, code, likely)

    seated = _take_seat(meeting.id)
    if seated != likely:
        message = _rsvp_mail(user, meeting, code, seated)
    status = RegistrationStatus.CONFIRMED if seated else RegistrationStatus.WAITLISTED
    values = dict(
        category=category, accessibility_needs=(accessibility_needs or "").strip(), note=(note or "").strip(),
        queued_at=now, confirmed_at=now if seated else None,
    )
    if existing is None:
        registration = Registration(meeting_id=meeting.id, user_id=user.id, status=status,
                                    ticket_code=code, created_at=now, **values)
        db.session.add(registration)
        try:
            db.session.flush()
        except IntegrityError as error:
            raise _already_registered() from error
    else:
        # Coming back after cancelling: the same row, only if nobody else revived it meanwhile.
        if not _move_registration(existing.id, RegistrationStatus.CANCELLED, status, cancelled_at=None,
                                  checked_in_at=None, **values):
            raise _already_registered()
        registration = existing
        _refresh(registration)
    # Changed by the seat's UPDATE: read again when next used, not now (the lock is held).
    db.session.expire(meeting, ["confirmed_count", "updated_at"])
    mail.queue(message)
    return registration


def _rsvp_mail(user: User, meeting: Meeting, code: str, seated: bool) -> mail.Prepared:
    return mail.ticket(user, meeting, code) if seated else mail.waitlisted(user, meeting)


def cancel_registration(registration: Registration, now: dt.datetime | None = None) -> list[Registration]:
    """Cancel a registration before the meeting starts. A freed seat goes to the first people waiting, who
    are told by e-mail. Returns the people promoted."""
    now = now or utcnow()
    meeting = registration.meeting
    if meeting.status != MeetingStatus.SCHEDULED or now >= meeting.starts_at:
        raise MeetingError(_("This meeting has already started or is no longer scheduled."))
    pagecache.changes(f"meeting:{meeting.id}", "meetings")
    freed = _move_registration(registration.id, RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED,
                               cancelled_at=now)
    if not freed and not _move_registration(registration.id, RegistrationStatus.WAITLISTED,
                                            RegistrationStatus.CANCELLED, cancelled_at=now):
        raise MeetingError(_("This registration is already cancelled."))
    promoted = []
    if freed:
        _release_seat(meeting.id)
        promoted = promote_waitlisted(meeting, now)
    _refresh(registration, meeting)
    return promoted


def withdraw_person(user: User, now: dt.datetime | None = None) -> int:
    """Cancel every live registration of a person (before their account is deleted): seats of upcoming
    meetings go to the waiting list, seats of past ones are released, so the seat counters keep matching the
    confirmed rows once the rows are gone. Returns how many registrations were cancelled."""
    now = now or utcnow()
    live = db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.meeting))
        .where(Registration.user_id == user.id,
               Registration.status.in_([RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]))
        .order_by(Registration.id)
    ).all()
    for registration in live:
        meeting = registration.meeting
        if meeting.status == MeetingStatus.SCHEDULED and now < meeting.starts_at:
            cancel_registration(registration, now)
        elif _move_registration(registration.id, RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED,
                                cancelled_at=now):
            _release_seat(meeting.id)
        else:
            _move_registration(registration.id, RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED,
                               cancelled_at=now)
    return len(live)


def promote_waitlisted(meeting: Meeting, now: dt.datetime | None = None) -> list[Registration]:
    """Give free seats to the waiting list in order, each with a conditional seat and status change (so a
    person cancelling meanwhile is skipped), and send each promoted person their ticket."""
    now = now or utcnow()
    if meeting.status != MeetingStatus.SCHEDULED or now >= meeting.starts_at:
        return []
    promoted_ids: list[int] = []
    while True:
        candidate = db.session.scalar(
            select(Registration.id)
            .where(Registration.meeting_id == meeting.id,
                   Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(Registration.queued_at, Registration.id)
            .limit(1)
        )
        if candidate is None or not _take_seat(meeting.id):
            break
        if _move_registration(candidate, RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED,
                              confirmed_at=now):
            promoted_ids.append(candidate)
        else:
            _release_seat(meeting.id)
    if not promoted_ids:
        return []
    _refresh(meeting)
    promoted = db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.user))
        .where(Registration.id.in_(promoted_ids))
        .order_by(Registration.queued_at, Registration.id)
        .execution_options(populate_existing=True)
    ).all()
    for registration in promoted:
        mail.send_ticket(registration, meeting, promoted=True)
    return list(promoted)


def check_in(
    meeting: Meeting, typed_code: str, now: dt.datetime | None = None,
) -> tuple[CheckIn, Registration | None]:
    """Mark attendance for the ticket code typed or scanned at the door, once."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("This meeting was cancelled."))
    code = tickets.normalize(typed_code)
    if code is None:
        return CheckIn.UNKNOWN, None
    result = db.session.execute(
        update(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.ticket_code == code,
               Registration.status == RegistrationStatus.CONFIRMED, Registration.checked_in_at.is_(None))
        .values(checked_in_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    registration = db.session.scalar(
        select(Registration)
        .options(joinedload(Registration.user))
        .where(Registration.meeting_id == meeting.id, Registration.ticket_code == code)
        .execution_options(populate_existing=True)
    )
    if registration is None:
        return CheckIn.UNKNOWN, None
    if result.rowcount == 1:
        return CheckIn.CHECKED_IN, registration
    if registration.status != RegistrationStatus.CONFIRMED:
        return CheckIn.NOT_CONFIRMED, registration
    return CheckIn.ALREADY, registration


# --- the outbox worker: reminders ---------------------------------------------------------------------------


def _insert_ignoring_duplicates(rows: list[dict]) -> int:
    """INSERT the outbox rows, skipping any whose dedupe_key exists already (another worker's). One
    statement."""
    dialect = db.engine.dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxMessage).values(rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    return len(db.session.execute(statement).all())


def queue_due_reminders(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue a reminder for every confirmed registration whose meeting starts within CIVIC_REMINDER_HOURS.
    Exactly once per registration: the outbox row carries the unique key "reminder:<registration id>", so
    a second run, or a second worker at the same moment, adds nothing. Commits (it is the worker's step)."""
    app = current_app._get_current_object()
    now = now or utcnow()
    until = now + dt.timedelta(hours=app.config["CIVIC_REMINDER_HOURS"])
    queued = 0
    while True:
        due = db.session.scalars(queries.reminder_candidates(now, until, limit)).unique().all()
        if not due:
            break
        if has_request_context():
            rows = [_reminder_row(registration, now) for registration in due]
        else:
            # Outside a request (the CLI worker): addresses are built from CIVIC_BASE_URL.
            with app.test_request_context("/", base_url=app.config["CIVIC_BASE_URL"]):
                rows = [_reminder_row(registration, now) for registration in due]
        queued += _insert_ignoring_duplicates(rows)
        db.session.commit()
        if len(due) < limit:
            break
    return queued


def _reminder_row(registration: Registration, now: dt.datetime) -> dict:
    subject, text = mail.reminder(registration)
    return {
        "to_address": registration.user.email, "subject": subject[:300], "body_text": text, "body_html": None,
        "attachments": [], "dedupe_key": queries.reminder_key(registration.id),
        "status": MessageStatus.PENDING, "attempts": 0, "created_at": now, "next_attempt_at": now,
    }
