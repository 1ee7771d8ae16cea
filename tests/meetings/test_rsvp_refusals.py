"""When a citizen may not register, the registration page says why, in one voice with the service that makes
the rule (civic.meetings.services.check_registration): already registered, not open yet, closed."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.database import db, utcnow
from civic.meetings import services
from civic.meetings.models import Meeting, Registration, RegistrationStatus
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.meetings.factories import make_meeting, make_registration

ALREADY = "Sei già iscritto a questo incontro."
NOT_YET = "Le iscrizioni a questo incontro non sono ancora aperte."
CLOSED = "Le iscrizioni a questo incontro sono chiuse."
OPENS = dt.datetime(2031, 5, 4, 10, 0, tzinfo=dt.UTC)  # 12:00 in Rome


@pytest.fixture
def citizen(app, auth):
    with app.app_context():
        email = make_user().email
    auth.login(email)
    return email


def meeting_with(app, **fields) -> int:
    with app.app_context():
        return make_meeting(capacity=10, **fields).id


def registrations(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Registration.id)))


def submit(client, meeting_id: int, **data):
    token = csrf_token(client.get(f"/meetings/{meeting_id}").get_data(as_text=True))
    return client.post(f"/meetings/{meeting_id}/register", data={"csrf_token": token, **data})


@pytest.mark.parametrize("fields, message", [
    ({"registration_opens_at": utcnow() + dt.timedelta(days=2)}, NOT_YET),
    ({"registration_closes_at": utcnow() - dt.timedelta(minutes=5)}, CLOSED),
], ids=["not-open-yet", "closed"])
def test_opening_the_form_outside_the_window_leads_back_to_the_meeting(app, client, citizen, fields, message):
    meeting_id = meeting_with(app, **fields)
    response = client.get(f"/meetings/{meeting_id}/register")
    assert response.status_code == 302 and response.location.endswith(f"/meetings/{meeting_id}")
    assert message in client.get(response.location).get_data(as_text=True)


def test_the_meeting_page_says_when_registration_opens_and_the_message_does_not_repeat_it(app, client,
                                                                                          citizen):
    meeting_id = meeting_with(app, registration_opens_at=OPENS, starts_at=OPENS + dt.timedelta(days=10))
    page = client.get(client.get(f"/meetings/{meeting_id}/register").location).get_data(as_text=True)
    assert NOT_YET in page and page.count("Le iscrizioni si aprono il 4 maggio 2031, 12:00") == 1


@pytest.mark.parametrize("fields, message", [
    ({"registration_opens_at": OPENS, "starts_at": OPENS + dt.timedelta(days=10)},
     "Le iscrizioni si aprono il 4 maggio 2031, 12:00."),
    ({"registration_closes_at": utcnow() - dt.timedelta(minutes=5)}, CLOSED),
], ids=["not-open-yet", "closed"])
def test_a_form_sent_outside_the_window_is_refused_and_stores_nothing(app, client, citizen, fields, message):
    meeting_id = meeting_with(app, **fields)
    for data in ({"category": "cittadini"}, {"category": "astronauti"}):
        response = submit(client, meeting_id, **data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert registrations(app) == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_someone_already_registered_is_sent_to_the_meeting_with_a_friendly_word(app, client, citizen, method):
    meeting_id = meeting_with(app)
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == citizen))
        make_registration(db.session.get(Meeting, meeting_id), person, status=RegistrationStatus.WAITLISTED)
    # Even a form with a mistake: being registered already is what the person needs to hear.
    response = (client.get(f"/meetings/{meeting_id}/register") if method == "GET"
                else submit(client, meeting_id, category="astronauti"))
    assert response.status_code == 302 and response.location.endswith(f"/meetings/{meeting_id}")
    assert ALREADY in client.get(response.location).get_data(as_text=True)
    assert registrations(app) == 1


def test_the_rule_answers_the_same_to_the_page_and_to_the_registration(ctx):
    now = utcnow()
    person = make_user()
    later = make_meeting(registration_opens_at=now + dt.timedelta(days=1))
    with pytest.raises(services.RegistrationNotOpen) as asked:
        services.check_registration(later, None, now)
    with pytest.raises(services.RegistrationNotOpen) as registering:
        services.register(later, person, "cittadini", now=now)
    assert asked.value.not_yet and registering.value.not_yet and str(asked.value) == str(registering.value)
    open_meeting = make_meeting()
    seat = services.register(open_meeting, person, "cittadini", now=now)
    with pytest.raises(services.AlreadyRegistered):
        services.check_registration(open_meeting, seat, now)
    services.check_registration(open_meeting, None, now)  # someone else may still register
