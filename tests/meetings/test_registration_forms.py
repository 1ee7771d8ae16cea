"""Registration forms (services): the organisers' questions, seats per category, companions, approval,
reminders per meeting and the check-in window."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.database import db, utcnow
from civic.meetings import queries, services
from civic.meetings.models import Meeting, QuestionKind, Quota, Registration, RegistrationStatus
from civic.outbox.models import OutboxMessage
from tests.factories import make_user
from tests.meetings.factories import make_meeting, make_registration


def form_meeting(capacity=10, quotas=None, companions_max=0, requires_approval=False, **fields) -> Meeting:
    """A meeting with two questions (a required yes/no, an optional choice) and the given quotas."""
    meeting = make_meeting(capacity=capacity, companions_max=companions_max,
                           requires_approval=requires_approval, **fields)
    admin = make_user(admin=True)
    values = {name: getattr(meeting, name) for name in services.EDITABLE_FIELDS}
    services.update_meeting(admin, meeting, {**values, "capacity": capacity}, [], questions=[
        {"label": "Sei residente?", "kind": QuestionKind.YES_NO, "required": True, "choices": []},
        {"label": "Come hai saputo dell'incontro?", "kind": QuestionKind.CHOICE, "required": False,
         "choices": ["Giornale", "Passaparola"]},
    ], quotas=quotas or {})
    db.session.commit()
    return meeting


def answers_for(meeting: Meeting, resident: str = "yes", heard: str = "") -> list[dict]:
    first, second = meeting.questions
    return services.collect_answers(meeting.questions, {first.id: resident, second.id: heard})


def rsvp(meeting: Meeting, category: str = "cittadini", companions: int = 0, user=None) -> Registration:
    registration = services.register(meeting, user or make_user(), category, companions=companions,
                                     answers=answers_for(meeting))
    db.session.commit()
    return registration


def quota(meeting_id: int, category: str) -> Quota:
    return db.session.scalar(select(Quota).where(Quota.meeting_id == meeting_id, Quota.category == category)
                             .execution_options(populate_existing=True))


def seats_taken(meeting_id: int) -> int:
    return db.session.scalar(select(Meeting.confirmed_count).where(Meeting.id == meeting_id))


def outbox_subjects(address: str) -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.to_address == address)
                                   .order_by(OutboxMessage.id)))


# --- questions ----------------------------------------------------------------------------------------------


def test_answers_are_validated_and_kept_with_the_question_as_asked(ctx):
    meeting = form_meeting()
    resident, heard = meeting.questions
    with pytest.raises(services.MeetingError) as missing:
        services.collect_answers(meeting.questions, {resident.id: "", heard.id: "Giornale"})
    assert missing.value.field == f"q{resident.id}" and str(missing.value) == "Rispondi a questa domanda."
    with pytest.raises(services.MeetingError) as forged:
        services.collect_answers(meeting.questions, {resident.id: "yes", heard.id: "Televisione"})
    assert forged.value.field == f"q{heard.id}"
    with pytest.raises(services.MeetingError):
        services.collect_answers(meeting.questions, {resident.id: "forse"})

    registration = services.register(meeting, make_user(), "cittadini", answers=services.collect_answers(
        meeting.questions, {resident.id: "yes", heard.id: "Passaparola"}))
    db.session.commit()
    # A later change of the question does not rewrite what was answered.
    resident.label = "Abiti a Novi Ligure?"
    db.session.commit()
    stored = db.session.get(Registration, registration.id).answers
    assert stored == [
        {"question_id": resident.id, "question": "Sei residente?", "answer": "yes"},
        {"question_id": heard.id, "question": "Come hai saputo dell'incontro?", "answer": "Passaparola"},
    ]


# --- quotas and companions ----------------------------------------------------------------------------------


def test_a_full_category_waits_while_the_others_still_get_seats(ctx):
    meeting = form_meeting(capacity=10, quotas={"cittadini": 2, "professionisti": 1})
    first, second = rsvp(meeting), rsvp(meeting)
    third = rsvp(meeting)  # the residents' two seats are gone
    press = rsvp(meeting, "professionisti")
    other = rsvp(meeting, "imprenditori")  # no quota: the meeting's seats
    assert [r.status for r in (first, second, third, press, other)] == [
        RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
        RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED]
    assert quota(meeting.id, "cittadini").taken == 2 and quota(meeting.id, "professionisti").taken == 1
    assert seats_taken(meeting.id) == 4

    # A resident cancels: the waiting resident gets the seat, and the quota stays exact.
    promoted = services.cancel_registration(db.session.get(Registration, first.id))
    db.session.commit()
    assert [r.id for r in promoted] == [third.id]
    assert quota(meeting.id, "cittadini").taken == 2 and seats_taken(meeting.id) == 4


def test_companions_take_seats_in_the_meeting_and_in_the_category(ctx):
    meeting = form_meeting(capacity=5, quotas={"cittadini": 4}, companions_max=2)
    with pytest.raises(services.MeetingError) as too_many:
        services.register(meeting, make_user(), "cittadini", companions=3, answers=answers_for(meeting))
    assert too_many.value.field == "companions" and "al massimo 2 accompagnatori" in str(too_many.value)
    db.session.rollback()

    family = rsvp(meeting, companions=2)  # 3 of the residents' 4 seats
    assert family.status == RegistrationStatus.CONFIRMED and family.seats == 3
    couple = rsvp(meeting, companions=1)  # 2 more would make 5 > 4: waits
    single = rsvp(meeting)  # the 4th resident seat
    assert (couple.status, single.status) == (RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED)
    assert seats_taken(meeting.id) == 4 and quota(meeting.id, "cittadini").taken == 4

    # The family cancels: 3 seats free; the couple, first in line, fits.
    promoted = services.cancel_registration(db.session.get(Registration, family.id))
    db.session.commit()
    assert [r.id for r in promoted] == [couple.id]
    assert seats_taken(meeting.id) == 3 and quota(meeting.id, "cittadini").taken == 3


def test_a_party_too_big_keeps_its_place_and_a_smaller_one_behind_it_gets_the_seat(ctx):
    meeting = form_meeting(capacity=2, companions_max=2)
    holder = rsvp(meeting, companions=1)
    trio = rsvp(meeting, companions=2)
    solo = rsvp(meeting)
    assert (trio.status, solo.status) == (RegistrationStatus.WAITLISTED, RegistrationStatus.WAITLISTED)
    admin = make_user(admin=True)
    values = {name: getattr(meeting, name) for name in services.EDITABLE_FIELDS}
    promoted = services.update_meeting(admin, meeting, {**values, "capacity": 3}, [])
    db.session.commit()
    assert [r.id for r in promoted] == [solo.id]
    assert db.session.get(Registration, trio.id).status == RegistrationStatus.WAITLISTED
    assert seats_taken(meeting.id) == 3 and holder.seats == 2


def test_a_quota_cannot_go_below_the_seats_its_category_holds(ctx):
    meeting = form_meeting(capacity=10, companions_max=1)
    rsvp(meeting, companions=1)
    admin = make_user(admin=True)
    values = {name: getattr(meeting, name) for name in services.EDITABLE_FIELDS}
    with pytest.raises(services.MeetingError) as refused:
        services.update_meeting(admin, meeting, {**values, "capacity": 10}, [], quotas={"cittadini": 1})
    db.session.rollback()
    assert refused.value.field == "quotas" and "2 già occupati" in str(refused.value)
    services.update_meeting(admin, meeting, {**values, "capacity": 10}, [], quotas={"cittadini": 3})
    db.session.commit()
    assert quota(meeting.id, "cittadini").taken == 2  # a new quota starts with the seats already held
    with pytest.raises(services.MeetingError):
        services.update_meeting(admin, meeting, {**values, "capacity": 10}, [], quotas={"stampa": 3})
    db.session.rollback()


# --- approval -----------------------------------------------------------------------------------------------


def test_a_pending_registration_holds_no_seat_until_approved(ctx):
    meeting = form_meeting(capacity=1, requires_approval=True, companions_max=1)
    anna, bruno, carla = (make_user(email=f"{name}@example.org") for name in ("anna", "bruno", "carla"))
    first = rsvp(meeting, companions=1, user=anna)
    second, third = rsvp(meeting, user=bruno), rsvp(meeting, user=carla)
    assert {first.status, second.status, third.status} == {RegistrationStatus.PENDING}
    assert seats_taken(meeting.id) == 0
    assert outbox_subjects(anna.email) == [f"Iscrizione ricevuta, in attesa di approvazione: {meeting.title}"]
    admin = make_user(admin=True)
    assert db.session.scalar(queries.pending_count(None)) >= 3

    # Anna and her companion need 2 seats of 1: approved onto the waiting list.
    assert services.approve(admin, first).status == RegistrationStatus.WAITLISTED
    assert services.approve(admin, second).status == RegistrationStatus.CONFIRMED
    assert services.refuse(admin, third).status == RegistrationStatus.REFUSED
    db.session.commit()
    assert seats_taken(meeting.id) == 1
    assert outbox_subjects(anna.email)[-1] == f"Sei in lista d’attesa: {meeting.title}"
    assert outbox_subjects(bruno.email)[-1] == f"Il tuo posto è confermato: {meeting.title}"
    assert outbox_subjects(carla.email)[-1] == f"Iscrizione non accettata: {meeting.title}"
    with pytest.raises(services.MeetingError):
        services.approve(admin, db.session.get(Registration, third.id))  # decided once
    db.session.rollback()
    # Refused people cannot simply register again.
    with pytest.raises(services.AlreadyRegistered) as again:
        services.register(meeting, carla, "cittadini", answers=answers_for(meeting))
    assert "non hanno accettato" in str(again.value)
    db.session.rollback()


def test_a_pending_registration_can_be_cancelled_and_is_then_not_approvable(ctx):
    meeting = form_meeting(requires_approval=True)
    pending = rsvp(meeting)
    assert services.cancel_registration(pending) == []
    db.session.commit()
    with pytest.raises(services.MeetingError) as late:
        services.approve(make_user(admin=True), db.session.get(Registration, pending.id))
    assert "non è più in attesa" in str(late.value)
    db.session.rollback()
    assert seats_taken(meeting.id) == 0


# --- reminders and the check-in window ----------------------------------------------------------------------


def test_each_reminder_of_a_meeting_is_sent_once_and_late_registrants_get_only_the_latest(ctx):
    meeting = make_meeting(starts_in=dt.timedelta(days=10), reminders=(168, 24))
    early, late = make_user(email="early@example.org"), make_user(email="late@example.org")
    make_registration(meeting, early)
    now = utcnow()
    assert services.queue_due_reminders(now) == 0
    # Four days later the 7-day reminder is due.
    assert services.queue_due_reminders(now + dt.timedelta(days=4)) == 1
    assert services.queue_due_reminders(now + dt.timedelta(days=4, hours=1)) == 0
    # Someone registers 12 hours before: only the 1-day reminder, once.
    make_registration(meeting, late)
    assert services.queue_due_reminders(now + dt.timedelta(days=9, hours=12)) == 2
    assert services.queue_due_reminders(now + dt.timedelta(days=9, hours=13)) == 0
    keys = sorted(db.session.scalars(select(OutboxMessage.dedupe_key)))
    assert len(keys) == 3
    assert sorted(db.session.scalars(select(OutboxMessage.to_address))) == [
        "early@example.org", "early@example.org", "late@example.org"]


def test_moving_a_meeting_moves_its_reminders(ctx):
    meeting = make_meeting(starts_in=dt.timedelta(days=10), reminders=(24,))
    values = {name: getattr(meeting, name) for name in services.EDITABLE_FIELDS}
    later = values["starts_at"] + dt.timedelta(days=5)
    services.update_meeting(make_user(admin=True), meeting, {**values, "starts_at": later,
                                                             "ends_at": later + dt.timedelta(hours=2)}, [])
    db.session.commit()
    assert [r.due_at for r in meeting.reminders] == [later - dt.timedelta(hours=24)]


def test_check_in_opens_at_the_meetings_own_time(ctx):
    meeting = make_meeting(starts_in=dt.timedelta(hours=3), check_in_opens_minutes=60)
    ticket = make_registration(meeting, make_user())
    result, registration = services.check_in(meeting, ticket.ticket_code)
    assert result == services.CheckIn.TOO_EARLY and registration.checked_in_at is None
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.checked_in_at.is_not(None))) == 0
    opens = meeting.starts_at - dt.timedelta(minutes=60)
    assert services.check_in(meeting, ticket.ticket_code, now=opens)[0] == services.CheckIn.CHECKED_IN


def test_approvals_at_the_same_moment_fill_exactly_the_seats(app):
    """Ten organisers' clicks at once (threads, each with its own connection) for 3 seats."""
    with app.app_context():
        meeting = make_meeting(capacity=3, requires_approval=True)
        ids = [make_registration(meeting, make_user(), RegistrationStatus.PENDING).id for _ in range(10)]
        admin_id, meeting_id = make_user(admin=True).id, meeting.id
    start = threading.Barrier(len(ids) + 1)
    errors = []

    def approve(registration_id: int) -> None:
        try:
            with app.test_request_context("/"):
                start.wait(timeout=30)
                registration = db.session.get(Registration, registration_id)
                services.approve(db.session.get(User, admin_id), registration)
                db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    # Ten different registrations, and the first one clicked twice.
    threads = [threading.Thread(target=approve, args=(i,)) for i in [*ids, ids[0]]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [str(e) for e in errors] == ["Questa iscrizione non è più in attesa di approvazione."]
    with app.app_context():
        statuses = sorted(db.session.scalars(select(Registration.status)
                                             .where(Registration.meeting_id == meeting_id)))
        assert statuses.count(RegistrationStatus.CONFIRMED) == 3
        assert statuses.count(RegistrationStatus.WAITLISTED) == 7
        assert db.session.get(Meeting, meeting_id).confirmed_count == 3
        db.session.remove()
