"""A citizen books a seat through the real forms, gets a ticket by e-mail, shows it, cancels; nobody else
can."""
from __future__ import annotations

import re

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from civic.database import db
from civic.meetings import mail as mail_module
from civic.meetings import tickets
from civic.meetings.models import Meeting, Registration, RegistrationStatus
from tests.conftest import csrf_token, post_form
from tests.factories import make_user
from tests.meetings.factories import make_meeting, make_registration
from tests.support.mail import deliver


@pytest.fixture
def meeting_id(app):
    with app.app_context():
        return make_meeting(capacity=1, title="Tavolo di lavoro sul coworking").id


def person(app, **kwargs) -> str:
    with app.app_context():
        return make_user(**kwargs).email


def rsvp(client, meeting_id: int, category="professionisti", **extra):
    return post_form(client, f"/meetings/{meeting_id}/register",
                     {"category": category, "accessibility_needs": "", "note": "", **extra})


def rows(app, meeting_id: int) -> list[tuple[str, RegistrationStatus]]:
    with app.app_context():
        return db.session.execute(
            select(Registration.category, Registration.status).where(Registration.meeting_id == meeting_id)
            .order_by(Registration.id)).all()


def seats(app, meeting_id: int) -> int:
    with app.app_context():
        return db.session.get(Meeting, meeting_id).confirmed_count


def test_a_citizen_books_a_seat_and_receives_ticket_qr_and_calendar(app, client, auth, meeting_id,
                                                                    mail_server):
    email = person(app)
    auth.login(email)
    response = rsvp(client, meeting_id, accessibility_needs="Accesso in sedia a ruote")
    assert response.status_code == 302 and response.location.endswith(f"/meetings/{meeting_id}/ticket")
    ticket = client.get(response.location).get_data(as_text=True)
    assert "Il tuo posto è confermato" in ticket
    assert 'src="data:image/svg+xml' in ticket and 'alt="Codice QR del tuo biglietto"' in ticket
    with app.app_context():
        code = db.session.scalar(select(Registration.ticket_code))
    spaced = " ".join(code[i:i + 4] for i in range(0, len(code), 4))
    assert spaced in ticket
    assert rows(app, meeting_id) == [("professionisti", RegistrationStatus.CONFIRMED)]

    assert deliver(app)["sent"] == 1
    [mail] = mail_server.messages_to(email)
    assert mail["Subject"] == "Il tuo posto è confermato: Tavolo di lavoro sul coworking"
    assert spaced in mail_server.text_of(mail)
    parts = {part.get_filename(): part for part in mail.iter_attachments()}
    ics = next(p for name, p in parts.items() if name.endswith(".ics"))
    png = next(p for name, p in parts.items() if name.endswith(".png"))
    assert ics.get_content_type() == "text/calendar"
    assert Calendar.from_ical(ics.get_content()).walk("VEVENT")[0]["UID"] == f"meeting-{meeting_id}@localhost"
    assert png.get_content().startswith(b"\x89PNG")
    # Drawn by the outbox worker, from the check-in address with the code that the queued message carries.
    with app.test_request_context("/"):
        check_in = mail_module.check_in_url(meeting_id, code)
    assert check_in.endswith(f"/manage/meetings/{meeting_id}/check-in?code={code}")
    assert png.get_content() == tickets.qr_png(check_in)


def test_an_rsvp_reads_the_meeting_and_the_registration_once(app, client, auth, meeting_id, count_queries):
    auth.login(person(app))
    page = client.get(f"/meetings/{meeting_id}/register").get_data(as_text=True)
    with count_queries() as counter:
        response = client.post(f"/meetings/{meeting_id}/register",
                               data={"csrf_token": csrf_token(page), "category": "cittadini"})
    assert response.status_code == 302
    statements = [" ".join(statement.split()) for statement in counter.statements]
    reads = [s.split(" FROM ", 1)[1].split()[0] for s in statements if s.startswith("SELECT")]
    # The person (the login session; not again after the commit), the meeting with its consultation and body,
    # the person's registration; the seat, the registration and the e-mail written, and the person follows
    # the meeting (the unsubscribe token, then the follow: civic/notifications); no agenda, nothing twice.
    assert reads == ["users", "meetings", "meeting_registrations"], statements
    assert len(statements) == 8, statements


def test_when_the_seats_are_gone_the_next_person_waits(app, client, auth, meeting_id):
    with app.app_context():
        make_registration(db.session.get(Meeting, meeting_id), make_user())
    auth.login(person(app))
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "Entra in lista d’attesa" in page
    response = rsvp(client, meeting_id)
    assert response.location.endswith(f"/meetings/{meeting_id}")
    assert "sei in lista d’attesa" in client.get(response.location).get_data(as_text=True)
    ticket = client.get(f"/meetings/{meeting_id}/ticket").get_data(as_text=True)
    assert "Sei in lista d’attesa" in ticket and "data:image/svg+xml" not in ticket


def test_a_double_submit_makes_one_registration_and_a_friendly_message(app, client, auth, meeting_id):
    auth.login(person(app))
    page = client.get(f"/meetings/{meeting_id}/register").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "category": "cittadini"}
    first = client.post(f"/meetings/{meeting_id}/register", data=data)
    second = client.post(f"/meetings/{meeting_id}/register", data=data, follow_redirects=True)
    assert first.status_code == 302
    assert (second.status_code == 200
            and "Sei già iscritto a questo incontro." in second.get_data(as_text=True))
    assert len(rows(app, meeting_id)) == 1


def test_a_bad_category_is_refused_next_to_the_field_and_nothing_is_stored(app, client, auth, meeting_id):
    auth.login(person(app))
    response = rsvp(client, meeting_id, category="astronauti", note="x" * 501)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="category-error"' in page and 'id="note-error"' in page
    assert rows(app, meeting_id) == [] and seats(app, meeting_id) == 0


def test_booking_needs_a_confirmed_account(app, client, auth, meeting_id):
    assert client.get(f"/meetings/{meeting_id}/register").status_code == 302
    auth.login(person(app, confirmed=False))
    response = client.get(f"/meetings/{meeting_id}/register")
    assert response.status_code == 302 and "/account/" in response.location
    assert rows(app, meeting_id) == []


def test_cancelling_frees_the_seat_for_the_first_waiting_person_who_gets_an_email(
        app, client, auth, meeting_id, mail_server):
    holder, waiting = person(app), person(app)
    auth.login(holder)
    rsvp(client, meeting_id)
    auth.logout()
    auth.login(waiting)
    rsvp(client, meeting_id)
    auth.logout()
    deliver(app)

    auth.login(holder)
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    action = re.search(r'action="(/meetings/registrations/\d+/cancel)"', page).group(1)
    response = client.post(action, data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "La tua iscrizione è annullata" in response.get_data(as_text=True)
    assert [status for _, status in rows(app, meeting_id)] == [RegistrationStatus.CANCELLED,
                                                               RegistrationStatus.CONFIRMED]
    assert seats(app, meeting_id) == 1

    deliver(app)
    promoted = mail_server.messages_to(waiting)
    assert [m["Subject"] for m in promoted] == ["Sei in lista d’attesa: Tavolo di lavoro sul coworking",
                                                "Il tuo posto è confermato: Tavolo di lavoro sul coworking"]
    assert "si è liberato un posto" in mail_server.text_of(promoted[-1])


def test_nobody_can_see_or_cancel_someone_elses_registration_or_ticket(app, client, auth, meeting_id):
    with app.app_context():
        owner = make_user()
        owner_email = owner.email
        registration_id = make_registration(db.session.get(Meeting, meeting_id), owner).id
    auth.login(person(app))
    assert client.get(f"/meetings/{meeting_id}/ticket").status_code == 404
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    response = client.post(f"/meetings/registrations/{registration_id}/cancel",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 404
    assert client.post(f"/meetings/registrations/{registration_id + 999}/cancel",
                       data={"csrf_token": csrf_token(page)}).status_code == 404
    assert rows(app, meeting_id) == [("cittadini", RegistrationStatus.CONFIRMED)]
    # A state change without the CSRF token is refused too, even by the owner.
    auth.logout()
    auth.login(owner_email)
    assert client.post(f"/meetings/registrations/{registration_id}/cancel").status_code == 400
    assert rows(app, meeting_id) == [("cittadini", RegistrationStatus.CONFIRMED)]


def test_my_meetings_lists_only_my_registrations(app, client, auth, meeting_id):
    with app.app_context():
        mine, theirs = make_meeting(title="Il mio incontro"), make_meeting(title="Un altro incontro")
        me = make_user()
        make_registration(mine, me)
        make_registration(theirs, make_user())
        email = me.email
    auth.login(email)
    page = client.get("/meetings/mine").get_data(as_text=True)
    assert "Il mio incontro" in page and "Un altro incontro" not in page


def test_the_rsvp_form_is_rate_limited(app, client, auth, meeting_id):
    app.config["CIVIC_LIMIT_RSVP"] = "2 per minute"
    auth.login(person(app))
    page = client.get(f"/meetings/{meeting_id}/register").get_data(as_text=True)
    codes = [client.post(f"/meetings/{meeting_id}/register",
                         data={"csrf_token": csrf_token(page), "category": "x"}).status_code
             for _ in range(3)]
    assert codes[-1] == 429
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 0
