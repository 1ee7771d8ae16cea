"""Meeting rules: publishing and changing meetings, RSVP with a waiting list, cancellation with promotion,
check-in, reminders. Every function validates, changes, flushes and returns; the view commits once, and
rolls back when a MeetingError comes out (a seat may already have been taken in the transaction).

Capacity under concurrency: `meetings.confirmed_count` (seats taken: each confirmed person and their
companions) changes only through conditional UPDATE statements checked by their row count. Seats are taken
by ONE statement,
    UPDATE meetings SET confirmed_count = confirmed_count + :seats
     WHERE id = :id AND (capacity IS NULL OR confirmed_count + :seats <= capacity)
which is the first write of its transaction: on SQLite it takes the database write lock before anything is
read inside the transaction (so no stale snapshot), on PostgreSQL it locks the meeting row and re-checks the
condition on the newest row version. A category with a quota is then charged the same way
(`meeting_quotas.taken + :seats <= seats`); when its quota is full the meeting's seats are given back in the
same transaction. Every writer locks the meeting row before the quota row, so PostgreSQL never deadlocks on
them. The registration row is written in the same transaction, so the counts and the confirmed rows commit
(or roll back) together.

Meetings that need approval: a pending registration holds NO seat (nobody is kept out by requests that may
be refused); approving it takes its seats then, or puts it on the waiting list when there are none.
"""
from __future__ import annotations

import datetime as dt
import enum

from flask import current_app, has_request_context
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from civic.accounts.models import User
from civic.audit.services import record
from civic.census import eligibility
from civic.consultations.models import Consultation
from civic.core import pagecache
from civic.core.features import Happening, announce, took_part
from civic.database import db, utcnow
from civic.meetings import mail, queries, tickets
from civic.meetings.models import (
    LIVE_STATUSES,
    AgendaItem,
    InvalidTransition,
    Meeting,
    MeetingStatus,
    QuestionKind,
    Quota,
    Registration,
    RegistrationQuestion,
    RegistrationStatus,
    Reminder,
)
from civic.outbox.models import MessageStatus, OutboxMessage

# The meeting fields a councillor edits (everything but status, counts and outcome).
EDITABLE_FIELDS = (
    "title", "description", "starts_at", "ends_at", "venue_name", "venue_address", "latitude", "longitude",
    "online_url", "registration_opens_at", "registration_closes_at", "audiences", "audience",
    "audience_level", "requires_approval", "companions_max", "check_in_opens_minutes",
)
# What a new meeting gets when the form says nothing about them.
FORM_DEFAULTS = {"requires_approval": False, "companions_max": 0, "check_in_opens_minutes": 60}


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
    TOO_EARLY = "too_early"
    ALREADY = "already"
    NOT_CONFIRMED = "not_confirmed"
    UNKNOWN = "unknown"


# --- seats: the only writers of meetings.confirmed_count --------------------------------------------------


class Seats(enum.Enum):
    TAKEN = "taken"
    FULL = "full"  # not enough free seats in the meeting
    QUOTA_FULL = "quota_full"  # the meeting has room, the category's quota has not


def _quota_category(meeting: Meeting, category: str) -> str | None:
    """The category when the meeting keeps a quota for it (read with the meeting), else None."""
    return category if any(quota.category == category for quota in meeting.quotas) else None


def _take_seats(meeting_id: int, seats: int = 1, category: str | None = None) -> Seats:
    """Take `seats` seats of the meeting, and of `category`'s quota (give it only when it has one), if they
    are free. Conditional statements checked by row count; the meeting's first, see the module's
    docstring."""
    result = db.session.execute(
        update(Meeting)
        .where(
            Meeting.id == meeting_id,
            or_(Meeting.capacity.is_(None), Meeting.confirmed_count + seats <= Meeting.capacity),
        )
        .values(confirmed_count=Meeting.confirmed_count + seats)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return Seats.FULL
    if category is None:
        return Seats.TAKEN
    charged = db.session.execute(
        update(Quota)
        .where(Quota.meeting_id == meeting_id, Quota.category == category, Quota.taken + seats <= Quota.seats)
        .values(taken=Quota.taken + seats)
        .execution_options(synchronize_session=False)
    )
    if charged.rowcount == 1 or db.session.scalar(queries.quota_id(meeting_id, category)) is None:
        return Seats.TAKEN
    _release_seats(meeting_id, seats)
    return Seats.QUOTA_FULL


def _release_seats(meeting_id: int, seats: int = 1, category: str | None = None) -> None:
    db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.confirmed_count >= seats)
        .values(confirmed_count=Meeting.confirmed_count - seats)
        .execution_options(synchronize_session=False)
    )
    if category is not None:
        db.session.execute(
            update(Quota)
            .where(Quota.meeting_id == meeting_id, Quota.category == category, Quota.taken >= seats)
            .values(taken=Quota.taken - seats)
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


def _set_questions(meeting: Meeting, questions: list[dict]) -> None:
    """Replace the registration form's questions; rows are updated in place, like the agenda. Answers already
    given keep the question as it was asked."""
    current = list(meeting.questions)
    for position, values in enumerate(questions, start=1):
        if position <= len(current):
            for name, value in values.items():
                setattr(current[position - 1], name, value)
        else:
            meeting.questions.append(RegistrationQuestion(position=position, **values))
    for extra in current[len(questions):]:
        meeting.questions.remove(extra)


def _set_reminders(meeting: Meeting, hours: list[int]) -> None:
    """Keep one reminder per number of hours before the start, each due at the start minus its hours."""
    wanted = sorted(set(hours), reverse=True)
    for reminder in list(meeting.reminders):
        if reminder.hours_before not in wanted:
            meeting.reminders.remove(reminder)
    have = {reminder.hours_before: reminder for reminder in meeting.reminders}
    for value in wanted:
        reminder = have.get(value) or Reminder(hours_before=value)
        reminder.due_at = meeting.starts_at - dt.timedelta(hours=value)
        if value not in have:
            meeting.reminders.append(reminder)


def _set_quotas(meeting: Meeting, quotas: dict[str, int]) -> None:
    """Keep the seats of each category with a quota. A new quota starts charged with the seats its category
    already holds; no quota may go below them. Call with the meeting row locked (_lock)."""
    for category in quotas:
        if category not in (meeting.audiences or []):
            raise MeetingError(_("“%(category)s” is not one of the meeting's categories.", category=category),
                               field="quotas")
    for quota in list(meeting.quotas):
        if quota.category not in quotas:
            meeting.quotas.remove(quota)
    have = {quota.category: quota for quota in meeting.quotas}
    held = dict(db.session.execute(queries.seats_by_category(meeting.id)).all()) if meeting.id else {}
    for category, seats in quotas.items():
        taken = held.get(category, 0)
        if seats < taken:
            raise MeetingError(
                _("The quota of “%(category)s” cannot be lower than the %(count)d seats it already holds.",
                  category=category, count=taken), field="quotas")
        quota = have.get(category)
        if quota is None:
            meeting.quotas.append(Quota(category=category, seats=seats, taken=taken))
        else:
            quota.seats, quota.taken = seats, taken


def _lock(meeting: Meeting) -> None:
    """Lock the meeting's row (PostgreSQL; SQLite's write lock covers the database) before touching its
    quotas, in the order every RSVP takes them (see the module's docstring)."""
    if meeting.id is not None:
        db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())


def _set_form(meeting: Meeting, questions: list[dict] | None, quotas: dict[str, int] | None,
              reminder_hours: list[int] | None) -> None:
    if questions is not None:
        _set_questions(meeting, questions)
    if quotas is not None:
        _set_quotas(meeting, quotas)
    if reminder_hours is not None:
        _set_reminders(meeting, reminder_hours)
    else:
        # The reminders follow the meeting when it moves.
        _set_reminders(meeting, [reminder.hours_before for reminder in meeting.reminders])


def create_meeting(actor: User, consultation: Consultation, fields: dict, agenda: list[dict],
                   questions: list[dict] | None = None, quotas: dict[str, int] | None = None,
                   reminder_hours: list[int] | None = None) -> Meeting:
    """A new scheduled meeting of the consultation; `fields` holds EDITABLE_FIELDS and capacity. The
    registration form: `questions` (dicts of RegistrationQuestion's columns), `quotas` (category -> seats) and
    `reminder_hours` (default: one reminder CIVIC_REMINDER_HOURS before the start)."""
    _check_place_and_times(fields)
    values = {**FORM_DEFAULTS, **{name: fields[name] for name in EDITABLE_FIELDS if name in fields}}
    meeting = Meeting(consultation=consultation, capacity=fields.get("capacity"), confirmed_count=0, **values)
    meeting.venue_name = meeting.venue_name or ""
    meeting.venue_address = meeting.venue_address or ""
    meeting.description = meeting.description or ""
    db.session.add(meeting)
    _set_agenda(meeting, agenda)
    if reminder_hours is None:
        hours = current_app.config["CIVIC_REMINDER_HOURS"]
        reminder_hours = [hours] if hours else []
    _set_form(meeting, questions, quotas, reminder_hours)
    db.session.flush()
    record(actor, "meeting.create", meeting, meeting.title, body_id=consultation.body_id)
    return meeting


def update_meeting(actor: User, meeting: Meeting, fields: dict, agenda: list[dict],
                   questions: list[dict] | None = None, quotas: dict[str, int] | None = None,
                   reminder_hours: list[int] | None = None) -> list[Registration]:
    """Change a meeting (None for questions, quotas or reminders: unchanged). Lowering the capacity below the
    seats taken, or a quota below the seats its category holds, is refused; raising the capacity or a quota
    (or removing it) promotes people from the waiting list. Returns the people promoted."""
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
                _("The capacity cannot be lower than the %(count)d seats already taken. Ask some people to "
                  "cancel, or keep at least %(count)d seats.", count=meeting.confirmed_count),
                field="capacity",
            )
        grew = True
    elif quotas is not None:
        _lock(meeting)
    for name in EDITABLE_FIELDS:
        if name in fields:
            setattr(meeting, name, fields[name])
    meeting.venue_name = meeting.venue_name or ""
    meeting.venue_address = meeting.venue_address or ""
    meeting.description = meeting.description or ""
    _set_agenda(meeting, agenda)
    before = {quota.category: quota.seats for quota in meeting.quotas}
    _set_form(meeting, questions, quotas, reminder_hours)
    if quotas is not None and any(quotas.get(category, seats + 1) > seats
                                  for category, seats in before.items()):
        grew = True  # a quota was raised or removed
    _bump(meeting)
    db.session.flush()
    record(actor, "meeting.update", meeting, meeting.title, body_id=meeting.consultation.body_id)
    announce(Happening("meeting.changed", "meeting", meeting.id, actor_id=actor.id if actor else None))
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
               Registration.status.in_(LIVE_STATUSES))
    ).all()
    for registration in people:
        mail.send_meeting_cancelled(registration, meeting, reason.strip())
    record(actor, "meeting.cancel", meeting, meeting.title, body_id=meeting.consultation.body_id)
    # Those registered got the e-mail above: the followers' notification reaches them in the site only.
    told = select(Registration.user_id).where(Registration.meeting_id == meeting.id,
                                              Registration.status != RegistrationStatus.CANCELLED)
    announce(Happening("meeting.cancelled", "meeting", meeting.id, reason.strip()[:300],
                       actor_id=actor.id if actor else None, mailed=told))
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
    minutes_published = bool(minutes) and not meeting.minutes
    meeting.minutes = minutes or ""
    meeting.attendance_count = attendance_count
    _bump(meeting)
    db.session.flush()
    record(actor, "meeting.held", meeting, meeting.title, body_id=meeting.consultation.body_id)
    if minutes_published:
        announce(Happening("meeting.minutes", "meeting", meeting.id, actor_id=actor.id if actor else None))


# --- citizens: registrations --------------------------------------------------------------------------------


def check_registration(meeting: Meeting, existing: Registration | None,
                       now: dt.datetime | None = None) -> None:
    """May the person register now? Raises AlreadyRegistered when `existing` (their registration for this
    meeting, or None) is confirmed, waitlisted, pending or refused, and RegistrationNotOpen outside the
    registration window. register() makes these checks itself; the registration page asks before showing its
    form."""
    if existing is not None and existing.status == RegistrationStatus.REFUSED:
        raise AlreadyRegistered(_("The organisers did not accept your registration for this meeting."))
    if existing is not None and existing.status != RegistrationStatus.CANCELLED:
        raise _already_registered()
    state = meeting.registration_state(now or utcnow())
    if state == "not_yet":
        opens = format_datetime(meeting.registration_opens_at, "d MMMM y, HH:mm")
        raise RegistrationNotOpen(_("Registration opens on %(when)s.", when=opens), not_yet=True)
    if state != "open":
        raise RegistrationNotOpen(_("Registration for this meeting is closed."), not_yet=False)


def collect_answers(questions: list[RegistrationQuestion], values: dict[int, str]) -> list[dict]:
    """The answers to keep with a registration, in the order of the questions, each with the question as it
    was asked. `values` maps question ids to what was typed or chosen. Raises MeetingError (field "q<id>")
    for a required question left empty or a choice the question does not offer."""
    answers = []
    for question in questions:
        value = (values.get(question.id) or "").strip()
        if not value:
            if question.required:
                raise MeetingError(_("Answer this question."), field=f"q{question.id}")
            continue
        if question.kind == QuestionKind.CHOICE and value not in question.choices:
            raise MeetingError(_("Choose one of the listed answers."), field=f"q{question.id}")
        if question.kind == QuestionKind.YES_NO and value not in ("yes", "no"):
            raise MeetingError(_("Choose one of the listed answers."), field=f"q{question.id}")
        answers.append({"question_id": question.id, "question": question.label, "answer": value[:1000]})
    return answers


_LOOK_UP = object()  # register(): the caller has not read the person's registration


def register(meeting: Meeting, user: User, category: str, accessibility_needs: str = "", note: str = "",
             now: dt.datetime | None = None,
             existing: Registration | None | object = _LOOK_UP, companions: int = 0,
             answers: list[dict] | None = None) -> Registration:
    """RSVP for the person and `companions` more people: confirmed seats while the meeting (and the category's
    quota, if it has one) has room for all of them, otherwise a place on the waiting list; a ticket either way
    (it works at the door only once confirmed). When the meeting needs approval the registration is pending
    instead, holding no seat, until an organiser approves it (approve()). `answers` come from
    collect_answers(). Raises AlreadyRegistered for a second registration (also when two arrive at once: the
    unique constraint decides), RegistrationNotOpen outside the registration window (see
    check_registration) and MeetingError for a category the meeting does not list or too many companions.
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
    try:
        eligibility.require(meeting.rule, user)
    except eligibility.NotEligible as error:
        raise MeetingError(error.message) from error
    if category not in (meeting.audiences or []):
        raise MeetingError(_("Choose one of the listed categories."), field="category")
    companions = companions or 0
    if companions < 0 or companions > (meeting.companions_max or 0):
        raise MeetingError(ngettext("You can bring at most %(num)d companion.",
                                    "You can bring at most %(num)d companions.", meeting.companions_max or 0)
                           if meeting.companions_max else _("This meeting does not take companions."),
                           field="companions")
    seats = 1 + companions
    pagecache.changes(f"meeting:{meeting.id}", "meetings")  # only the pages showing its seats go stale
    code = existing.ticket_code if existing is not None else tickets.new_code()
    values = dict(
        category=category, accessibility_needs=(accessibility_needs or "").strip(), note=(note or "").strip(),
        queued_at=now, companions=companions, answers=answers or [], decided_at=None,
    )
    if meeting.requires_approval:
        status = RegistrationStatus.PENDING
        message = mail.awaiting_approval(user, meeting)
        values["confirmed_at"] = None
    else:
        likely = meeting.capacity is None or meeting.confirmed_count + seats <= meeting.capacity
        message = _rsvp_mail(user, meeting, code, likely, companions)
        seated = _take_seats(meeting.id, seats, _quota_category(meeting, category)) == Seats.TAKEN
        if seated != likely:
            message = _rsvp_mail(user, meeting, code, seated, companions)
        status = RegistrationStatus.CONFIRMED if seated else RegistrationStatus.WAITLISTED
        values["confirmed_at"] = now if seated else None
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
    took_part(user.id, "meeting", meeting.id)
    return registration


def _rsvp_mail(user: User, meeting: Meeting, code: str, seated: bool, companions: int = 0,
               approved: bool = False) -> mail.Prepared:
    if seated:
        return mail.ticket(user, meeting, code, companions=companions, approved=approved)
    return mail.waitlisted(user, meeting, approved=approved)


def _pending(registration: Registration) -> None:
    if registration.status != RegistrationStatus.PENDING:
        raise MeetingError(_("This registration is no longer waiting for approval."))


def approve(actor: User, registration: Registration, now: dt.datetime | None = None) -> Registration:
    """An organiser accepts a pending registration: it takes its seats (the person and companions) if the
    meeting and the category's quota have room, or goes on the waiting list; the person is told by e-mail
    either way."""
    now = now or utcnow()
    meeting, user = registration.meeting, registration.user
    _pending(registration)
    if meeting.status != MeetingStatus.SCHEDULED or now >= meeting.starts_at:
        raise MeetingError(_("This meeting has already started or is no longer scheduled."))
    seats = registration.seats
    likely = meeting.capacity is None or meeting.confirmed_count + seats <= meeting.capacity
    message = _rsvp_mail(user, meeting, registration.ticket_code, likely, registration.companions, True)
    category = _quota_category(meeting, registration.category)
    seated = _take_seats(meeting.id, seats, category) == Seats.TAKEN
    if seated != likely:
        message = _rsvp_mail(user, meeting, registration.ticket_code, seated, registration.companions, True)
    status = RegistrationStatus.CONFIRMED if seated else RegistrationStatus.WAITLISTED
    # The waiting list is ordered by the time of the approval: the request was not a seat before.
    if not _move_registration(registration.id, RegistrationStatus.PENDING, status, decided_at=now,
                              queued_at=now, confirmed_at=now if seated else None):
        if seated:
            _release_seats(meeting.id, seats, category)
        raise MeetingError(_("This registration is no longer waiting for approval."))
    _refresh(registration, meeting)
    mail.queue(message)
    record(actor, "meeting.registration_approved", meeting, meeting.title, body_id=meeting.body_id)
    return registration


def refuse(actor: User, registration: Registration, now: dt.datetime | None = None) -> Registration:
    """An organiser turns down a pending registration; the person is told by e-mail."""
    now = now or utcnow()
    meeting = registration.meeting
    _pending(registration)
    if not _move_registration(registration.id, RegistrationStatus.PENDING, RegistrationStatus.REFUSED,
                              decided_at=now):
        raise MeetingError(_("This registration is no longer waiting for approval."))
    _refresh(registration)
    mail.queue(mail.refused(registration.user, meeting))
    record(actor, "meeting.registration_refused", meeting, meeting.title, body_id=meeting.body_id)
    return registration


def cancel_registration(registration: Registration, now: dt.datetime | None = None) -> list[Registration]:
    """Cancel a registration (confirmed, waitlisted or pending) before the meeting starts. Freed seats go to
    the first people waiting who fit in them, and they are told by e-mail. Returns the people promoted."""
    now = now or utcnow()
    meeting = registration.meeting
    if meeting.status != MeetingStatus.SCHEDULED or now >= meeting.starts_at:
        raise MeetingError(_("This meeting has already started or is no longer scheduled."))
    seats, category = registration.seats, _quota_category(meeting, registration.category)
    pagecache.changes(f"meeting:{meeting.id}", "meetings")
    freed = _move_registration(registration.id, RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED,
                               cancelled_at=now)
    if not freed and not any(
            _move_registration(registration.id, source, RegistrationStatus.CANCELLED, cancelled_at=now)
            for source in (RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING)):
        raise MeetingError(_("This registration is already cancelled."))
    promoted = []
    if freed:
        _release_seats(meeting.id, seats, category)
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
        .where(Registration.user_id == user.id, Registration.status.in_(LIVE_STATUSES))
        .order_by(Registration.id)
    ).all()
    for registration in live:
        meeting = registration.meeting
        if meeting.status == MeetingStatus.SCHEDULED and now < meeting.starts_at:
            cancel_registration(registration, now)
        elif _move_registration(registration.id, RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED,
                                cancelled_at=now):
            _release_seats(meeting.id, registration.seats, registration.category)
        else:
            for source in (RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING):
                _move_registration(registration.id, source, RegistrationStatus.CANCELLED, cancelled_at=now)
    return len(live)


def promote_waitlisted(meeting: Meeting, now: dt.datetime | None = None) -> list[Registration]:
    """Give free seats to the waiting list in order: each person (with companions) who fits in the meeting
    and in their category's quota gets them, with a conditional seat and status change (so a person
    cancelling meanwhile is skipped); a party too big for what is left keeps its place and the next one may
    fit. Each promoted person gets their ticket."""
    now = now or utcnow()
    if meeting.status != MeetingStatus.SCHEDULED or now >= meeting.starts_at:
        return []
    waiting = db.session.execute(queries.waiting_list(meeting.id)).all()
    promoted_ids: list[int] = []
    for candidate, companions, category in waiting:
        category = _quota_category(meeting, category)
        taken = _take_seats(meeting.id, 1 + companions, category)
        if taken == Seats.FULL and companions == 0:
            break  # not even one seat is left
        if taken != Seats.TAKEN:
            continue
        if _move_registration(candidate, RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED,
                              confirmed_at=now):
            promoted_ids.append(candidate)
        else:
            _release_seats(meeting.id, 1 + companions, category)
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
    """Mark attendance for the ticket code typed or scanned at the door, once, from the meeting's check-in
    time (its start minus `check_in_opens_minutes`): earlier, TOO_EARLY and nothing changes."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("This meeting was cancelled."))
    now = now or utcnow()
    code = tickets.normalize(typed_code)
    if code is None:
        return CheckIn.UNKNOWN, None
    if now < meeting.check_in_opens_at():
        registration = db.session.scalar(
            select(Registration).options(joinedload(Registration.user))
            .where(Registration.meeting_id == meeting.id, Registration.ticket_code == code))
        return (CheckIn.TOO_EARLY, registration) if registration is not None else (CheckIn.UNKNOWN, None)
    result = db.session.execute(
        update(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.ticket_code == code,
               Registration.status == RegistrationStatus.CONFIRMED, Registration.checked_in_at.is_(None))
        .values(checked_in_at=now)
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
    """Queue the reminders that are due: each meeting has its own (e.g. 7 days and 1 day before), and every
    confirmed person gets each one once, when it falls due. A person who registers after a reminder fell due
    gets only the latest one due (not the 7-day one the day before). Exactly once: the outbox row carries the
    unique key "reminder:<registration id>:<hours>", so a second run, or a second worker at the same moment,
    adds nothing. Commits (it is the worker's step)."""
    app = current_app._get_current_object()
    now = now or utcnow()
    queued = 0
    while True:
        due = db.session.execute(queries.reminder_candidates(now, limit)).unique().all()
        if not due:
            break
        if has_request_context():
            rows = [_reminder_row(registration, hours, now) for registration, hours in due]
        else:
            # Outside a request (the CLI worker): addresses are built from CIVIC_BASE_URL.
            with app.test_request_context("/", base_url=app.config["CIVIC_BASE_URL"]):
                rows = [_reminder_row(registration, hours, now) for registration, hours in due]
        queued += _insert_ignoring_duplicates(rows)
        db.session.commit()
        if len(due) < limit:
            break
    return queued


def _reminder_row(registration: Registration, hours: int, now: dt.datetime) -> dict:
    subject, text = mail.reminder(registration)
    return {
        "to_address": registration.user.email, "subject": subject[:300], "body_text": text, "body_html": None,
        "attachments": [], "dedupe_key": queries.reminder_key(registration.id, hours),
        "status": MessageStatus.PENDING, "attempts": 0, "created_at": now, "next_attempt_at": now,
    }
