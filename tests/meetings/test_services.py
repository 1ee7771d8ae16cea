"""The meeting rules, called directly: seats and waiting list, promotion, capacity, lifecycle, check-in,
codes."""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from civic.database import db, utcnow
from civic.meetings import services, tickets
from civic.meetings.models import Meeting, MeetingStatus, Registration, RegistrationStatus
from civic.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.meetings.factories import make_meeting, make_registration


def confirmed_rows(meeting_id: int) -> int:
    return db.session.scalar(select(func.count(Registration.id)).where(
        Registration.meeting_id == meeting_id, Registration.status == RegistrationStatus.CONFIRMED))


def seat_counter(meeting_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Meeting, meeting_id).confirmed_count


def mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)
                                   .order_by(OutboxMessage.id)))


def register(meeting, user, category="cittadini"):
    """As the view does: one transaction, committed, rolled back on refusal."""
    try:
        registration = services.register(meeting, user, category)
    except services.MeetingError:
        db.session.rollback()
        raise
    db.session.commit()
    return registration


@pytest.fixture
def small_meeting(ctx):
    return make_meeting(capacity=2)


def test_seats_are_confirmed_until_full_then_people_wait(small_meeting):
    people = [make_user() for _ in range(4)]
    statuses = [register(small_meeting, person).status for person in people]
    assert statuses == [RegistrationStatus.CONFIRMED] * 2 + [RegistrationStatus.WAITLISTED] * 2
    assert seat_counter(small_meeting.id) == confirmed_rows(small_meeting.id) == 2
    first = mails_to(people[0].email)
    assert [m.subject for m in first] == [f"Il tuo posto è confermato: {small_meeting.title}"]
    assert {a["filename"].rsplit(".", 1)[1] for a in first[0].attachments} == {"ics", "png"}
    assert mails_to(people[2].email)[0].subject.startswith("Sei in lista d’attesa")


@pytest.mark.parametrize("counted, elsewhere, status", [(0, +2, RegistrationStatus.WAITLISTED),
                                                         (2, -1, RegistrationStatus.CONFIRMED)])
def test_the_mail_follows_the_seat_actually_taken_not_the_counter_read_before(ctx, counted, elsewhere,
                                                                             status):
    """The RSVP prepares its e-mail before taking the seat, from the counter read with the meeting: when other
    requests changed the counter meanwhile, the person still gets the mail of what happened."""
    person = make_user()
    meeting = make_meeting(capacity=2, confirmed_count=counted)
    assert meeting.confirmed_count == counted  # read by this request
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id)  # then others take or free seats
                       .values(confirmed_count=Meeting.confirmed_count + elsewhere)
                       .execution_options(synchronize_session=False))
    registration = register(meeting, person)
    assert registration.status == status
    [message] = mails_to(person.email)
    if status == RegistrationStatus.CONFIRMED:
        assert message.subject == f"Il tuo posto è confermato: {meeting.title}"
        assert {a["filename"].rsplit(".", 1)[1] for a in message.attachments} == {"ics", "png"}
    else:
        assert message.subject == f"Sei in lista d’attesa: {meeting.title}" and message.attachments == []
    assert seat_counter(meeting.id) == 2


def test_a_second_registration_of_the_same_person_is_refused_and_changes_nothing(small_meeting):
    person = make_user()
    register(small_meeting, person)
    with pytest.raises(services.AlreadyRegistered):
        register(small_meeting, person)
    assert seat_counter(small_meeting.id) == 1
    assert db.session.scalar(select(func.count(Registration.id))) == 1


def test_cancelling_a_seat_promotes_the_first_person_waiting_and_tells_them(small_meeting):
    holders = [make_user(), make_user()]
    for person in holders:
        register(small_meeting, person)
    early, late = make_user(), make_user()
    make_registration(small_meeting, early, RegistrationStatus.WAITLISTED,
                      queued_at=utcnow() - dt.timedelta(hours=1))
    make_registration(small_meeting, late, RegistrationStatus.WAITLISTED)

    registration = db.session.scalar(select(Registration).where(Registration.user_id == holders[0].id))
    promoted = services.cancel_registration(registration)
    db.session.commit()

    assert [r.user_id for r in promoted] == [early.id]
    statuses = dict(db.session.execute(select(Registration.user_id, Registration.status)).all())
    assert statuses[holders[0].id] == RegistrationStatus.CANCELLED
    assert statuses[early.id] == RegistrationStatus.CONFIRMED
    assert statuses[late.id] == RegistrationStatus.WAITLISTED
    assert seat_counter(small_meeting.id) == confirmed_rows(small_meeting.id) == 2
    [mail] = mails_to(early.email)
    assert "si è liberato un posto" in mail.body_text
    assert mails_to(late.email) == []


def test_cancelling_a_place_on_the_waiting_list_frees_no_seat(small_meeting):
    for _ in range(2):
        register(small_meeting, make_user())
    waiting = register(small_meeting, make_user())
    assert services.cancel_registration(waiting) == []
    db.session.commit()
    assert seat_counter(small_meeting.id) == 2
    with pytest.raises(services.MeetingError, match="già annullata"):
        services.cancel_registration(waiting)


def test_someone_who_cancelled_can_register_again_at_the_back_of_the_queue(small_meeting):
    person = make_user()
    first = register(small_meeting, person)
    code = first.ticket_code
    services.cancel_registration(first)
    db.session.commit()
    again = register(small_meeting, person)
    assert again.id == first.id and again.status == RegistrationStatus.CONFIRMED
    assert again.ticket_code == code
    assert seat_counter(small_meeting.id) == 1


def test_capacity_cannot_drop_below_the_confirmed_people_and_raising_it_promotes(ctx):
    meeting = make_meeting(capacity=2)
    admin = make_user(admin=True)
    people = [make_user() for _ in range(4)]
    for person in people:
        register(meeting, person)
    fields = {name: getattr(meeting, name) for name in services.EDITABLE_FIELDS}

    with pytest.raises(services.MeetingError) as refused:
        services.update_meeting(admin, meeting, {**fields, "capacity": 1}, [])
    db.session.rollback()
    assert refused.value.field == "capacity"
    assert "2 già occupati" in str(refused.value)
    assert db.session.get(Meeting, meeting.id).capacity == 2

    promoted = services.update_meeting(admin, meeting, {**fields, "capacity": 3}, [])
    db.session.commit()
    assert [r.user_id for r in promoted] == [people[2].id]
    assert seat_counter(meeting.id) == confirmed_rows(meeting.id) == 3

    promoted = services.update_meeting(admin, meeting, {**fields, "capacity": None}, [])
    db.session.commit()
    assert [r.user_id for r in promoted] == [people[3].id]


def test_every_change_bumps_the_calendar_sequence(ctx):
    meeting = make_meeting(starts_in=dt.timedelta(hours=-1))
    admin = make_user(admin=True)
    fields = {name: getattr(meeting, name) for name in services.EDITABLE_FIELDS} | {"capacity": None}
    services.update_meeting(admin, meeting, {**fields, "title": "Nuovo titolo"}, [])
    assert meeting.sequence == 1
    services.record_outcome(admin, meeting, "Verbale", 12)
    assert meeting.sequence == 2 and meeting.status == MeetingStatus.HELD


def test_the_lifecycle_refuses_impossible_moves(ctx):
    admin = make_user(admin=True)
    future = make_meeting()
    with pytest.raises(services.MeetingError, match="solo dopo l’inizio"):
        services.record_outcome(admin, future, "", None)
    services.cancel_meeting(admin, future)
    with pytest.raises(services.MeetingError):
        services.cancel_meeting(admin, future)
    with pytest.raises(services.MeetingError):
        services.record_outcome(admin, future, "", None, now=future.ends_at)
    fields = {name: getattr(future, name) for name in services.EDITABLE_FIELDS} | {"capacity": None}
    with pytest.raises(services.MeetingError):
        services.update_meeting(admin, future, fields, [])


def test_registration_only_inside_its_window_and_for_a_listed_category(ctx):
    now = utcnow()
    person = make_user()
    later = make_meeting(registration_opens_at=now + dt.timedelta(days=1))
    with pytest.raises(services.MeetingError, match="Le iscrizioni si aprono"):
        register(later, person)
    closed = make_meeting(registration_closes_at=now - dt.timedelta(minutes=1))
    with pytest.raises(services.MeetingError, match="chiuse"):
        register(closed, person)
    started = make_meeting(starts_in=dt.timedelta(minutes=-5))
    with pytest.raises(services.MeetingError):
        register(started, person)
    open_meeting = make_meeting()
    with pytest.raises(services.MeetingError) as wrong:
        register(open_meeting, person, category="astronauti")
    assert wrong.value.field == "category"
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_check_in_marks_attendance_once_and_says_what_happened(ctx):
    meeting = make_meeting(capacity=1, check_in_opens_minutes=7 * 24 * 60)
    holder, waiting = make_user(), make_user()
    ticket = register(meeting, holder)
    queued = register(meeting, waiting)
    other_meeting_ticket = make_registration(make_meeting(), make_user())

    typed = tickets.spaced(ticket.ticket_code)  # as printed on the ticket, with spaces
    result, registration = services.check_in(meeting, typed)
    assert result == services.CheckIn.CHECKED_IN and registration.user_id == holder.id
    first_time = registration.checked_in_at
    db.session.commit()
    assert services.check_in(meeting, ticket.ticket_code)[0] == services.CheckIn.ALREADY
    assert db.session.get(Registration, ticket.id).checked_in_at == first_time
    scanned = f"http://localhost/manage/meetings/{meeting.id}/check-in?code={ticket.ticket_code}"
    assert services.check_in(meeting, scanned)[0] == services.CheckIn.ALREADY
    assert services.check_in(meeting, queued.ticket_code)[0] == services.CheckIn.NOT_CONFIRMED
    assert services.check_in(meeting, other_meeting_ticket.ticket_code) == (services.CheckIn.UNKNOWN, None)
    assert services.check_in(meeting, "AAAAAAAAAAAAAAAA") == (services.CheckIn.UNKNOWN, None)
    assert services.check_in(meeting, "'; DROP TABLE x") == (services.CheckIn.UNKNOWN, None)


def test_ticket_codes_are_random_not_sequential_and_long_enough(ctx):
    meeting = make_meeting()
    codes = [register(meeting, make_user()).ticket_code for _ in range(30)]
    codes += [tickets.new_code() for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    assert all(len(code) >= 16 for code in codes)
    # Consecutive registrations share no prefix a guesser could walk along.
    assert max(len(_common_prefix(a, b)) for a, b in zip(codes, codes[1:], strict=False)) <= 4
    # Characters are spread over the whole URL-safe alphabet: close to 6 bits of entropy each.
    counts = Counter("".join(codes))
    total = sum(counts.values())
    entropy = -sum(n / total * math.log2(n / total) for n in counts.values())
    assert entropy > 5.9 and len(counts) == 64
    assert 16 * entropy >= 94  # bits per code


def _common_prefix(a: str, b: str) -> str:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return a[:size]


def test_the_database_refuses_more_confirmed_people_than_seats(ctx):
    meeting = make_meeting(capacity=1, confirmed_count=1)
    with pytest.raises(IntegrityError):
        db.session.execute(db.update(Meeting).where(Meeting.id == meeting.id).values(confirmed_count=2))
        db.session.flush()
    db.session.rollback()
    assert services._take_seats(meeting.id) == services.Seats.FULL
    db.session.rollback()


def test_withdrawing_a_person_keeps_every_seat_counter_true_after_their_rows_are_gone(ctx):
    upcoming, past = make_meeting(capacity=1), make_meeting(capacity=5, starts_in=dt.timedelta(days=-30))
    leaving, waiting = make_user(), make_user()
    register(upcoming, leaving)
    register(upcoming, waiting)
    make_registration(past, leaving)
    assert services.withdraw_person(leaving) == 2
    db.session.delete(db.session.get(type(leaving), leaving.id))
    db.session.commit()
    for meeting in (upcoming, past):
        assert seat_counter(meeting.id) == confirmed_rows(meeting.id)
    assert db.session.scalar(select(Registration.status).where(Registration.user_id == waiting.id)) == \
        RegistrationStatus.CONFIRMED


def test_the_database_refuses_a_link_that_is_not_a_web_address(ctx):
    meeting = make_meeting()
    meeting.online_url = "javascript:alert(1)"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
