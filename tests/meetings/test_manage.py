"""Councillor tools: publish and edit meetings, capacity rules, cancel, minutes, registrations, CSV,
check-in."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from civic.database import db, utcnow
from civic.meetings.models import Meeting, MeetingStatus, Registration, RegistrationStatus
from civic.outbox.models import OutboxMessage
from tests.conftest import csrf_token, post_form
from tests.factories import make_body, make_user
from tests.meetings.factories import make_consultation, make_meeting, make_registration

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def world(app):
    """A body with its councillor and a consultation; a meeting with 3 seats, 2 confirmed and 1 waiting."""
    with app.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, slug="coworking-novi-ligure")
        # Check-in accepted from a week before, so the door can be tried now.
        meeting = make_meeting(consultation, capacity=3, title="Incontro sul coworking",
                               check_in_opens_minutes=7 * 24 * 60)
        people = [make_user(name=name) for name in ("Anna Bianchi", "=cmd|' /C calc'!A0", "Carla Verdi")]
        make_registration(meeting, people[0], category="imprenditori")
        make_registration(meeting, people[1], category="cittadini")
        make_registration(meeting, people[2], RegistrationStatus.WAITLISTED, category="cittadini")
        return {
            "councillor": make_user(councillor_of=body).email,
            "stranger": make_user(councillor_of=make_body()).email,
            "citizen": people[0].email,
            "consultation": consultation.id,
            "meeting": meeting.id,
        }


def meeting_form(consultation_id: int, **changes) -> dict:
    data = {
        "consultation": str(consultation_id), "title": "Tavolo di lavoro", "description": "Un **tavolo**.",
        "starts_at": "2030-03-29T17:30", "ends_at": "2030-03-29T19:30", "venue_name": "Sala rossa",
        "venue_address": "Via Roma 1", "latitude": "", "longitude": "", "online_url": "", "capacity": "30",
        "registration_opens_at": "", "registration_closes_at": "",
        "audiences": "cittadini\nimprenditori\ncittadini\n\n", "agenda-0-time": "17:30",
        "agenda-0-title": "Saluti", "agenda-0-speaker": "Anna", "agenda-0-affiliation": "Municipio",
        "agenda-1-time": "", "agenda-1-title": "", "agenda-1-speaker": "", "agenda-1-affiliation": "",
    }
    data.update(changes)
    return data


def test_citizens_and_other_bodies_councillors_are_kept_out(app, client, auth, world):
    meeting = world["meeting"]
    auth.login(world["citizen"])
    assert client.get("/manage/meetings/").status_code == 403
    assert client.get(f"/manage/meetings/{meeting}/registrations.csv").status_code == 403
    auth.logout()
    auth.login(world["stranger"])
    assert client.get("/manage/meetings/").status_code == 200
    assert "Incontro sul coworking" not in client.get("/manage/meetings/").get_data(as_text=True)
    for path in ("", "/edit", "/registrations", "/registrations.csv", "/check-in", "/attendees", "/outcome"):
        assert client.get(f"/manage/meetings/{meeting}{path}").status_code == 403, path
    page = client.get("/manage/meetings/").get_data(as_text=True)
    assert client.post(f"/manage/meetings/{meeting}/cancel",
                       data={"csrf_token": csrf_token(page)}).status_code == 403
    with app.app_context():
        assert db.session.get(Meeting, meeting).status == MeetingStatus.SCHEDULED


def test_a_councillor_publishes_a_meeting_with_agenda_in_rome_time(app, client, auth, world):
    auth.login(world["councillor"])
    response = post_form(client, "/manage/meetings/new", meeting_form(world["consultation"]))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.title == "Tavolo di lavoro"))
        assert meeting.starts_at == dt.datetime(2030, 3, 29, 17, 30, tzinfo=ROME)
        assert meeting.starts_at.utcoffset() == dt.timedelta(0) and meeting.starts_at.hour == 16
        assert meeting.audiences == ["cittadini", "imprenditori"]
        assert ([(i.time, i.title, i.speaker) for i in meeting.agenda_items]
                == [(dt.time(17, 30), "Saluti", "Anna")])
        meeting_id = meeting.id
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "venerdì 29 marzo 2030, 17:30" in page and "Saluti" in page


@pytest.mark.parametrize("changes, field, message", [
    ({"online_url": "javascript:alert(1)"}, "online_url", "https://"),
    ({"venue_name": "", "online_url": ""}, "venue_name", "Indica un luogo, un link online o entrambi."),
    ({"ends_at": "2030-03-29T17:00"}, "ends_at", "L’incontro deve finire dopo l’inizio."),
    ({"capacity": "0"}, "capacity", "da 1 a 100000"),
    ({"starts_at": "domani"}, "starts_at", ""),
    ({"agenda-1-speaker": "Senza titolo"}, "agenda-1-title", "Dai un titolo"),
    ({"audiences": " \n "}, "audiences", "almeno una categoria"),
])
def test_bad_meeting_input_is_explained_next_to_the_field_and_nothing_is_stored(
        app, client, auth, world, changes, field, message):
    auth.login(world["councillor"])
    response = post_form(client, "/manage/meetings/new", meeting_form(world["consultation"], **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    with app.app_context():
        assert db.session.scalar(select(Meeting).where(Meeting.title == "Tavolo di lavoro")) is None


def test_a_councillor_cannot_publish_in_another_bodys_consultation(app, client, auth, world):
    with app.app_context():
        foreign = make_consultation(make_body()).id
    auth.login(world["councillor"])
    response = post_form(client, "/manage/meetings/new", meeting_form(foreign))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Meeting).where(Meeting.title == "Tavolo di lavoro")) is None


def test_lowering_capacity_below_the_confirmed_people_is_refused_clearly(app, client, auth, world):
    auth.login(world["councillor"])
    meeting = world["meeting"]
    edit = client.get(f"/manage/meetings/{meeting}/edit").get_data(as_text=True)
    assert 'value="Incontro sul coworking"' in edit
    data = meeting_form(world["consultation"], title="Incontro sul coworking", capacity="1")
    response = post_form(client, f"/manage/meetings/{meeting}/edit", data)
    assert response.status_code == 422
    assert "I posti non possono essere meno dei 2 già occupati" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Meeting, meeting).capacity == 3

    response = post_form(client, f"/manage/meetings/{meeting}/edit", {**data, "capacity": "4"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Meeting, meeting)
        assert (saved.capacity, saved.confirmed_count, saved.sequence) == (4, 3, 1)
        assert db.session.scalar(select(Registration.status).where(Registration.category == "cittadini")
                                 .order_by(Registration.id.desc()).limit(1)) == RegistrationStatus.CONFIRMED


def test_cancelling_a_meeting_tells_everyone_and_calendars_show_it_cancelled(app, client, auth, world):
    auth.login(world["councillor"])
    meeting = world["meeting"]
    page = client.get(f"/manage/meetings/{meeting}").get_data(as_text=True)
    response = client.post(f"/manage/meetings/{meeting}/cancel",
                           data={"csrf_token": csrf_token(page), "reason": "Sala inagibile."},
                           follow_redirects=True)
    assert "Incontro annullato: 3 persone iscritte sono state avvisate per e-mail." in response.get_data(
        as_text=True)
    with app.app_context():
        mails = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject.startswith("Incontro annullato"))).all()
        assert len(mails) == 3 and all("Sala inagibile." in m.body_text for m in mails)
    [event] = Calendar.from_ical(client.get(f"/meetings/{meeting}.ics").data).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    assert "Questo incontro è stato annullato." in client.get(f"/meetings/{meeting}").get_data(as_text=True)
    again = client.post(f"/manage/meetings/{meeting}/cancel", data={"csrf_token": csrf_token(page)},
                        follow_redirects=True)
    assert "Si può annullare solo un incontro in programma." in again.get_data(as_text=True)


def test_minutes_and_attendance_only_once_the_meeting_started(app, client, auth, world):
    auth.login(world["councillor"])
    meeting = world["meeting"]
    response = post_form(client, f"/manage/meetings/{meeting}/outcome",
                         {"minutes": "Verbale", "attendance_count": "2"})
    assert response.status_code == 422 and "solo dopo l’inizio" in response.get_data(as_text=True)
    with app.app_context():
        started = db.session.get(Meeting, meeting)
        started.starts_at = utcnow() - dt.timedelta(hours=1)
        started.ends_at = utcnow() + dt.timedelta(hours=1)
        db.session.commit()
    response = post_form(client, f"/manage/meetings/{meeting}/outcome",
                         {"minutes": "Si è deciso di **proseguire**.", "attendance_count": "2"})
    assert response.status_code == 302
    page = client.get(f"/meetings/{meeting}").get_data(as_text=True)
    assert "<strong>proseguire</strong>" in page and "Partecipanti: 2" in page


def test_registrations_page_counts_per_category_and_status(app, client, auth, world):
    auth.login(world["councillor"])
    page = client.get(f"/manage/meetings/{world['meeting']}/registrations").get_data(as_text=True)
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th>((?:<td>\d+</td>)+)</tr>', page))
    assert rows["cittadini"] == "<td>1</td><td>1</td><td>0</td><td>0</td><td>0</td>"
    assert rows["imprenditori"] == "<td>1</td><td>0</td><td>0</td><td>0</td><td>0</td>"
    assert rows["Totale"] == "<td>2</td><td>1</td><td>0</td><td>0</td><td>0</td>"
    assert "Anna Bianchi" in page and "Iscrizioni: 3" in page
    waiting = client.get(
        f"/manage/meetings/{world['meeting']}/registrations?status=waitlisted").get_data(as_text=True)
    assert "Carla Verdi" in waiting and "Anna Bianchi" not in waiting


def test_the_csv_export_streams_every_registration_safely(app, client, auth, world):
    with app.app_context():
        admin = make_user(admin=True).email
    auth.login(admin)
    response = client.get(f"/manage/meetings/{world['meeting']}/registrations.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "spreadsheets read the file as UTF-8 after a byte-order mark"
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["status"] for r in rows] == ["confirmed", "confirmed", "waitlisted"]
    assert rows[0]["name"] == "Anna Bianchi" and rows[0]["category"] == "imprenditori"
    assert rows[1]["name"].startswith("'="), "a name must not run as a spreadsheet formula"


def test_check_in_by_typed_or_scanned_code_once(app, client, auth, world):
    with app.app_context():
        codes = dict(db.session.execute(select(Registration.status, Registration.ticket_code)
                                        .order_by(Registration.id.desc())).all())
        confirmed = db.session.scalar(select(Registration.ticket_code).where(
            Registration.status == RegistrationStatus.CONFIRMED).order_by(Registration.id))
    auth.login(world["councillor"])
    url = f"/manage/meetings/{world['meeting']}/check-in"
    spaced = " ".join(confirmed[i:i + 4] for i in range(0, len(confirmed), 4))

    first = post_form(client, url, {"code": spaced})
    assert first.status_code == 200
    assert "Benvenuto: ingresso registrato." in first.get_data(as_text=True)
    assert "Anna Bianchi" in first.get_data(as_text=True)
    scanned = post_form(client, url, {"code": f"http://localhost{url}?code={confirmed}"})
    assert scanned.status_code == 409 and "Ingresso già registrato" in scanned.get_data(as_text=True)
    unknown = post_form(client, url, {"code": "ZZZZ ZZZZ ZZZZ ZZZZ"})
    assert unknown.status_code == 422 and "Codice sconosciuto" in unknown.get_data(as_text=True)
    waiting = post_form(client, url, {"code": codes[RegistrationStatus.WAITLISTED]})
    assert "Posto non confermato" in waiting.get_data(as_text=True)
    # The link inside the QR code opens the form with the code filled in; only the POST checks in.
    prefilled = client.get(f"{url}?code={confirmed}").get_data(as_text=True)
    assert f'value="{confirmed}"' in prefilled
    with app.app_context():
        checked = db.session.scalars(
            select(Registration).where(Registration.checked_in_at.is_not(None))).all()
        assert [r.ticket_code for r in checked] == [confirmed]
    sheet = client.get(f"/manage/meetings/{world['meeting']}/attendees").get_data(as_text=True)
    assert "Anna Bianchi" in sheet and "Carla Verdi" not in sheet and "Persone confermate: 2" in sheet


def test_one_person_told_is_said_in_the_singular(app, client, auth):
    with app.app_context():
        body = make_body()
        councillor = make_user(councillor_of=body).email
        meeting = make_meeting(make_consultation(body), capacity=5)
        make_registration(meeting, make_user())
        meeting_id = meeting.id
    auth.login(councillor)
    page = client.get(f"/manage/meetings/{meeting_id}?lang=en").get_data(as_text=True)
    response = client.post(f"/manage/meetings/{meeting_id}/cancel", data={"csrf_token": csrf_token(page)},
                           follow_redirects=True)
    assert "Meeting cancelled; 1 registered person was told by e-mail." in response.get_data(as_text=True)
