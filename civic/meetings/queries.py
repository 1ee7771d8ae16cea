"""Reads about meetings and registrations. Each returns a select() the view runs or paginates; none issues a
query per row (counts come from `Meeting.confirmed_count` or from GROUP BY)."""
from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import Select, String, and_, bindparam, case, cast, func, literal, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from civic.accounts.models import User
from civic.bodies.models import Body
from civic.consultations.models import Consultation, ConsultationStatus
from civic.database import utcnow
from civic.meetings.models import (
    Meeting,
    MeetingStatus,
    Quota,
    Registration,
    RegistrationStatus,
    Reminder,
)
from civic.outbox.models import OutboxMessage

UPCOMING = "upcoming"
PAST = "past"
# Outbox dedupe key of a registration's reminder: "reminder:<registration id>:<hours before>".
REMINDER_KEY_PREFIX = "reminder:"


def reminder_key(registration_id: int, hours: int) -> str:
    return f"{REMINDER_KEY_PREFIX}{registration_id}:{hours}"


def _with_consultation(query: Select) -> Select:
    """Join the consultation and its body (with parent) into the same query."""
    return query.join(Meeting.consultation).options(
        contains_eager(Meeting.consultation).joinedload(Consultation.body).joinedload(Body.parent)
    )


def public_meetings(
    now: dt.datetime, when: str = UPCOMING, body_id: int | None = None, consultation_id: int | None = None,
    with_quotas: bool = False,
) -> Select[tuple[Meeting]]:
    """Meetings of public (not draft) consultations: upcoming ones (not ended yet) soonest first, past ones
    latest first; `with_quotas`: their quotas too, in one query more for the whole page."""
    query = _with_consultation(select(Meeting)).where(Consultation.status != ConsultationStatus.DRAFT)
    if when == PAST:
        query = query.where(Meeting.ends_at <= now).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    else:
        query = query.where(Meeting.ends_at > now).order_by(Meeting.starts_at, Meeting.id)
    if body_id is not None:
        query = query.where(Consultation.body_id == body_id)
    if consultation_id is not None:
        query = query.where(Meeting.consultation_id == consultation_id)
    if with_quotas:
        query = query.options(selectinload(Meeting.quotas))
    return query


def meeting_page(meeting_id: int) -> Select[tuple[Meeting]]:
    """One meeting with its consultation, body, agenda and quotas (three queries whatever the size)."""
    return (
        _with_consultation(select(Meeting))
        .where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.agenda_items), selectinload(Meeting.quotas))
    )


def consultations_with_public_meetings() -> Select[tuple[Consultation]]:
    """Choices for the list filter."""
    has_meetings = select(Meeting.id).where(Meeting.consultation_id == Consultation.id).exists()
    return (
        select(Consultation)
        .where(Consultation.status != ConsultationStatus.DRAFT, has_meetings)
        .order_by(Consultation.title)
    )


def bodies_with_public_meetings() -> Select[tuple[Body]]:
    has_meetings = (
        select(Meeting.id)
        .join(Meeting.consultation)
        .where(Consultation.body_id == Body.id, Consultation.status != ConsultationStatus.DRAFT)
        .exists()
    )
    return select(Body).where(has_meetings).options(joinedload(Body.parent)).order_by(Body.name)


def consultation_meetings(consultation_id: int) -> Select[tuple[Meeting]]:
    """A consultation's meetings in date order, for its page (seat counts are columns, no extra query)."""
    return select(Meeting).where(Meeting.consultation_id == consultation_id).order_by(Meeting.starts_at)


def registration_of(meeting_id: int, user_id: int) -> Select[tuple[Registration]]:
    return select(Registration).where(Registration.meeting_id == meeting_id, Registration.user_id == user_id)


@functools.cache
def own_registration() -> Select:
    """A person's registration for a meeting as the meeting page's slot shows it (id, status, companions),
    built once (every signed-in view of a meeting): its values are meeting_id and user_id."""
    return registration_of(bindparam("meeting_id"), bindparam("user_id")).with_only_columns(
        Registration.id, Registration.status, Registration.companions)


def registrations_of_user(user_id: int) -> Select[tuple[Registration]]:
    """A person's registrations with their meetings, the next meeting first."""
    return (
        select(Registration)
        .join(Registration.meeting)
        .options(contains_eager(Registration.meeting))
        .where(Registration.user_id == user_id)
        .order_by(Meeting.starts_at.desc(), Registration.id)
    )


def managed_meetings(user: User) -> Select[tuple[Meeting]]:
    """Meetings of the bodies this person manages (every body for admins), latest first."""
    query = _with_consultation(select(Meeting)).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if not user.is_admin:
        query = query.where(Consultation.body_id.in_(user.body_ids or {-1}))
    return query


def waiting_counts(meeting_ids: list[int]) -> Select[tuple[int, int]]:
    """(meeting id, people on the waiting list) for these meetings, one GROUP BY query."""
    return (
        select(Registration.meeting_id, func.count(Registration.id))
        .where(Registration.meeting_id.in_(meeting_ids), Registration.status == RegistrationStatus.WAITLISTED)
        .group_by(Registration.meeting_id)
    )


def managed_consultations(user: User) -> Select[tuple[Consultation]]:
    """Consultations a meeting can be attached to by this person (drafts too)."""
    query = select(Consultation).options(joinedload(Consultation.body)).order_by(Consultation.title)
    if not user.is_admin:
        query = query.where(Consultation.body_id.in_(user.body_ids or {-1}))
    return query


def registration_counts(meeting_id: int) -> Select[tuple[str, RegistrationStatus, int]]:
    """(category, status, count) rows, one per pair present."""
    return (
        select(Registration.category, Registration.status, func.count(Registration.id))
        .where(Registration.meeting_id == meeting_id)
        .group_by(Registration.category, Registration.status)
        .order_by(Registration.category, Registration.status)
    )


def checked_in_count(meeting_id: int) -> Select[tuple[int]]:
    return select(func.count(Registration.id)).where(
        Registration.meeting_id == meeting_id, Registration.checked_in_at.is_not(None)
    )


def meeting_registrations(
    meeting_id: int, status: RegistrationStatus | None = None,
) -> Select[tuple[Registration]]:
    """Registrations with the person, in registration order (the waiting list order for waitlisted ones)."""
    query = (
        select(Registration)
        .join(Registration.user)
        .options(contains_eager(Registration.user))
        .where(Registration.meeting_id == meeting_id)
        .order_by(Registration.queued_at, Registration.id)
    )
    if status is not None:
        query = query.where(Registration.status == status)
    return query


def attendees(meeting_id: int) -> Select[tuple[Registration]]:
    """Confirmed registrations by name, for the printed sheet at the door."""
    return (
        select(Registration)
        .join(Registration.user)
        .options(contains_eager(Registration.user))
        .where(Registration.meeting_id == meeting_id, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(func.lower(User.display_name), Registration.id)
    )


def export_rows(meeting_id: int) -> Select:
    """Flat rows for the CSV export (no ORM objects, so streaming keeps memory flat)."""
    return (
        select(
            Registration.id, User.display_name, User.email, Registration.category, Registration.status,
            Registration.companions, Registration.accessibility_needs, Registration.note,
            Registration.created_at, Registration.confirmed_at, Registration.cancelled_at,
            Registration.checked_in_at, Registration.answers,
        )
        .join(Registration.user)
        .where(Registration.meeting_id == meeting_id)
        .order_by(Registration.id)
    )


def calendar_meetings(
    now: dt.datetime, body_id: int | None = None, limit: int = 500,
) -> Select[tuple[Meeting]]:
    """Upcoming public meetings for the iCalendar feed, cancelled ones included so calendars drop them."""
    query = public_meetings(now, UPCOMING, body_id=body_id)
    return query.where(Meeting.status != MeetingStatus.HELD).limit(limit)


def reminder_candidates(now: dt.datetime, limit: int) -> Select[tuple[Registration, int]]:
    """(confirmed registration, hours before) for every reminder due by `now` of a scheduled meeting not
    started yet, not queued yet for that registration, and the latest due of its meeting (someone registering
    late gets that one, not every earlier reminder too)."""
    later = aliased(Reminder)
    superseded = (select(later.id)
                  .where(later.meeting_id == Reminder.meeting_id, later.hours_before < Reminder.hours_before,
                         later.due_at <= now)
                  .exists())
    key = (literal(REMINDER_KEY_PREFIX) + cast(Registration.id, String) + literal(":")
           + cast(Reminder.hours_before, String))
    queued = select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key).exists()
    return (
        select(Registration, Reminder.hours_before)
        .join(Registration.meeting)
        .join(Reminder, Reminder.meeting_id == Meeting.id)
        .join(Registration.user)
        .options(contains_eager(Registration.meeting), contains_eager(Registration.user))
        .where(
            Reminder.due_at <= now,
            Registration.status == RegistrationStatus.CONFIRMED,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > now,
            ~superseded,
            ~queued,
        )
        .order_by(Registration.id)
        .limit(limit)
    )


def quota_id(meeting_id: int, category: str) -> Select[tuple[int]]:
    return select(Quota.id).where(Quota.meeting_id == meeting_id, Quota.category == category)


def seats_by_category(meeting_id: int) -> Select[tuple[str, int]]:
    """(category, seats taken by its confirmed registrations, companions included), one GROUP BY."""
    return (select(Registration.category, func.sum(1 + Registration.companions))
            .where(Registration.meeting_id == meeting_id, Registration.status == RegistrationStatus.CONFIRMED)
            .group_by(Registration.category))


def waiting_list(meeting_id: int) -> Select[tuple[int, int, str]]:
    """(registration id, companions, category) of the waiting list, in its order."""
    return (select(Registration.id, Registration.companions, Registration.category)
            .where(Registration.meeting_id == meeting_id,
                   Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(Registration.queued_at, Registration.id))


def pending_count(body_ids: frozenset[int] | None) -> Select[tuple[int]]:
    """Registrations awaiting approval for the upcoming scheduled meetings of these bodies (None: all)."""
    query = (select(func.count(Registration.id))
             .join(Meeting, Meeting.id == Registration.meeting_id)
             .where(Registration.status == RegistrationStatus.PENDING,
                    Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > utcnow()))
    if body_ids is not None:
        query = query.join(Consultation, Consultation.id == Meeting.consultation_id).where(
            Consultation.body_id.in_(body_ids or {-1}))
    return query


def pending_registrations(user: User, meeting_id: int | None = None) -> Select[tuple[Registration]]:
    """Registrations awaiting approval for the upcoming meetings this person manages (the ones counted by
    pending_count), soonest meeting and oldest request first, with the person and the meeting."""
    query = (
        select(Registration)
        .join(Registration.meeting)
        .join(Meeting.consultation)
        .join(Registration.user)
        .options(contains_eager(Registration.meeting).contains_eager(Meeting.consultation),
                 contains_eager(Registration.user))
        .where(Registration.status == RegistrationStatus.PENDING, Meeting.status == MeetingStatus.SCHEDULED,
               Meeting.starts_at > utcnow())
        .order_by(Meeting.starts_at, Registration.queued_at, Registration.id)
    )
    if meeting_id is not None:
        query = query.where(Meeting.id == meeting_id)
    if not user.is_admin:
        query = query.where(Consultation.body_id.in_(user.body_ids or {-1}))
    return query


# --- a consultation's dashboard, and one person's records ---------------------------------------------------


def dashboard_seats(consultation_id: int) -> Select:
    """(meeting, confirmed, waitlisted, checked in) per meeting of the consultation, soonest first."""
    confirmed = func.sum(case((Registration.status == RegistrationStatus.CONFIRMED, 1), else_=0))
    waiting = func.sum(case((Registration.status == RegistrationStatus.WAITLISTED, 1), else_=0))
    checked = func.sum(case((and_(Registration.status == RegistrationStatus.CONFIRMED,
                                  Registration.checked_in_at.is_not(None)), 1), else_=0))
    tally = (select(Registration.meeting_id, confirmed.label("confirmed"), waiting.label("waiting"),
                    checked.label("checked"))
             .group_by(Registration.meeting_id).subquery())
    return (select(Meeting, func.coalesce(tally.c.confirmed, 0), func.coalesce(tally.c.waiting, 0),
                   func.coalesce(tally.c.checked, 0))
            .outerjoin(tally, tally.c.meeting_id == Meeting.id)
            .where(Meeting.consultation_id == consultation_id).order_by(Meeting.starts_at, Meeting.id))


def registrants(consultation_id: int) -> Select:
    """The people registered (and not cancelled) for a meeting of the consultation, for its participants."""
    return (select(Registration.user_id).join(Meeting, Meeting.id == Registration.meeting_id)
            .where(Meeting.consultation_id == consultation_id,
                   Registration.status != RegistrationStatus.CANCELLED))


def registrations_of(user_id: int) -> Select:
    """The person's meeting registrations of every status, by meeting date."""
    return (select(Meeting.id.label("meeting_id"), Meeting.title, Meeting.starts_at, Registration.status,
                   Registration.category, Registration.companions, Registration.answers, Registration.note,
                   Registration.accessibility_needs, Registration.created_at, Registration.confirmed_at,
                   Registration.cancelled_at, Registration.checked_in_at)
            .join(Meeting, Meeting.id == Registration.meeting_id)
            .where(Registration.user_id == user_id)
            .order_by(Meeting.starts_at, Registration.id))
