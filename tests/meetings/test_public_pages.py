"""What anyone sees: the meeting list with filters, a meeting page with its schema.org data, the calendars."""
from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from civic.consultations.models import Consultation, ConsultationStatus
from civic.database import db
from civic.meetings.models import MeetingStatus
from civic.meetings.sections import consultation_section
from tests.factories import make_body, make_user
from tests.meetings.factories import bulk_registrations, make_consultation, make_meeting

ROME = ZoneInfo("Europe/Rome")
NOVI_AGENDA = [
    (dt.time(9, 0), "Introduzione dell'Amministrazione comunale", "", "Comune di Novi Ligure"),
    (None, "Il lavoro condiviso e l'esperienza di lab121", "Mico Rao", "Proteina"),
    (None, "Il primo coworking gestito direttamente da un Comune", "Marco Pichetto", "Sindaco di Veglio"),
]


@pytest.fixture
def novi(app_ctx):
    body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
    consultation = make_consultation(body, slug="coworking-novi-ligure", title="Coworking a Novi Ligure")
    return make_meeting(
        consultation, title="Incontro pubblico sul coworking <Novi>",
        starts_at=dt.datetime(2015, 2, 14, 9, 0, tzinfo=ROME),
        ends_at=dt.datetime(2015, 2, 14, 12, 0, tzinfo=ROME),
        venue_name="Biblioteca Civica", venue_address="Via Marconi 36, Novi Ligure",
        status=MeetingStatus.HELD,
        minutes="Si è parlato di **coworking**.", attendance_count=40, agenda=NOVI_AGENDA,
        latitude=44.7631, longitude=8.7870,
    )


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_the_novi_meeting_page_shows_time_place_agenda_and_minutes(client, novi):
    page = page_text(client.get(f"/meetings/{novi.id}"))
    assert "<h1>Incontro pubblico sul coworking &lt;Novi&gt;" in page
    assert "sabato 14 febbraio 2015, 09:00" in page and "–<time" in page and ">12:00</time>" in page
    assert "Biblioteca Civica, Via Marconi 36, Novi Ligure" in page
    assert "Mico Rao" in page and "Proteina" in page and "Marco Pichetto" in page
    assert "<strong>coworking</strong>" in page and "Partecipanti: 40" in page
    assert "Questo incontro si è svolto." in page
    assert "Accedi per iscriverti" not in page  # held: no registration


def test_the_meeting_page_carries_schema_org_event_data_that_cannot_break_out(client, novi):
    page = page_text(client.get(f"/meetings/{novi.id}"))
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert "<" not in block, "a title with < must not be able to close the data block"
    data = json.loads(block)
    assert data["@type"] == "Event"
    assert data["name"] == "Incontro pubblico sul coworking <Novi>"
    assert data["startDate"] == "2015-02-14T09:00:00+01:00"
    assert data["endDate"] == "2015-02-14T12:00:00+01:00"
    assert data["location"]["name"] == "Biblioteca Civica"
    assert data["location"]["geo"]["latitude"] == pytest.approx(44.7631)
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["organizer"]["name"] == "Comune di Novi Ligure"


def test_the_list_splits_upcoming_and_past_and_filters_by_body_and_consultation(client, app_ctx, novi):
    genova = make_body("municipio-ix-levante", "Municipio IX Levante")
    levante = make_consultation(genova, slug="coworking-genova-levante")
    make_meeting(levante, title="Tavolo di lavoro", capacity=30)
    make_meeting(make_consultation(genova, status=ConsultationStatus.DRAFT), title="Bozza segreta")

    upcoming = page_text(client.get("/meetings/"))
    assert "Tavolo di lavoro" in upcoming and "Incontro pubblico sul coworking" not in upcoming
    assert "Posti disponibili: 30 su 30" in upcoming
    assert "Bozza segreta" not in upcoming
    past = page_text(client.get("/meetings/?when=past"))
    assert "Incontro pubblico sul coworking" in past and "Tavolo di lavoro" not in past
    assert "Tavolo di lavoro" not in page_text(client.get("/meetings/?body=comune-di-novi-ligure"))
    assert "Tavolo di lavoro" in page_text(client.get("/meetings/?body=municipio-ix-levante"))
    by_consultation = page_text(client.get("/meetings/?when=past&consultation=coworking-novi-ligure"))
    assert "Incontro pubblico sul coworking" in by_consultation
    # Nonsense filters fall back to everything, never to an error.
    assert client.get("/meetings/?when=soon&body=%3Cx%3E&consultation=zzz&page=abc").status_code == 200


def test_the_list_is_paginated(client, app_ctx):
    consultation = make_consultation()
    for n in range(25):
        make_meeting(consultation, title=f"Incontro numero {n:02d}", starts_in=dt.timedelta(days=n + 1))
    first = page_text(client.get("/meetings/"))
    assert ("Incontro numero 00" in first and "Incontro numero 19" in first
            and "Incontro numero 20" not in first)
    second = page_text(client.get("/meetings/?page=2"))
    assert "Incontro numero 20" in second and "Incontro numero 24" in second
    assert 'rel="prev"' in second


def test_a_meeting_of_a_draft_consultation_is_invisible_to_the_public(client, auth, app_ctx):
    body = make_body()
    meeting = make_meeting(make_consultation(body, status=ConsultationStatus.DRAFT))
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    assert client.get(f"/meetings/{meeting.id}.ics").status_code == 404
    assert str(meeting.title) not in page_text(client.get("/meetings.ics"))
    councillor = make_user(councillor_of=body)
    auth.login(councillor.email)
    assert client.get(f"/meetings/{meeting.id}").status_code == 200


def test_the_meeting_calendar_file_shows_0900_to_1200_in_rome(client, novi):
    response = client.get(f"/meetings/{novi.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    [timezone] = calendar.walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Rome"
    [event] = calendar.walk("VEVENT")
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert event["DTSTART"].params["TZID"] == "Europe/Rome"
    assert (start.hour, start.minute, end.hour, end.minute) == (9, 0, 12, 0)
    assert start.utcoffset() == dt.timedelta(hours=1)
    assert str(event["UID"]) == f"meeting-{novi.id}@localhost"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "Biblioteca Civica" in str(event["LOCATION"])
    assert b"DTSTART;TZID=Europe/Rome:20150214T090000" in response.data
    # The UID is the same on every download, so calendars update instead of duplicating.
    again = Calendar.from_ical(client.get(f"/meetings/{novi.id}.ics").data)
    assert str(again.walk("VEVENT")[0]["UID"]) == str(event["UID"])


def test_the_feed_lists_upcoming_meetings_and_filters_by_body(client, app_ctx, novi):
    levante = make_body("municipio-ix-levante", "Municipio IX Levante")
    upcoming = make_meeting(make_consultation(levante), title="Tavolo di lavoro")
    other = make_meeting(make_consultation(), title="Altro incontro")
    cancelled = make_meeting(make_consultation(levante), title="Annullato", status=MeetingStatus.CANCELLED)

    events = {str(e["SUMMARY"]): e
              for e in Calendar.from_ical(client.get("/meetings.ics").data).walk("VEVENT")}
    assert set(events) == {"Tavolo di lavoro", "Altro incontro", "Annullato"}  # the held 2015 one is past
    assert str(events["Annullato"]["STATUS"]) == "CANCELLED"
    filtered = Calendar.from_ical(client.get("/meetings.ics?body=municipio-ix-levante").data)
    assert {str(e["UID"]) for e in filtered.walk("VEVENT")} == {
        f"meeting-{upcoming.id}@localhost", f"meeting-{cancelled.id}@localhost"}
    assert other.id and client.get("/meetings.ics?body=nowhere").status_code == 404


@pytest.mark.parametrize("path", ["/meetings/", "/meetings/{id}"])
def test_list_and_meeting_page_use_the_same_queries_at_10_and_at_1000_registrations(
        app, client, auth, count_queries, path):
    # Data is made in its own context, so requests start with an empty session as in production.
    with app.app_context():
        meeting = make_meeting(capacity=2000, agenda=NOVI_AGENDA)
        viewer = make_user()
        meeting_id = meeting.id
        bulk_registrations(meeting_id, 10)
        url, email = path.format(id=meeting.id), viewer.email
    auth.login(email)
    app.config["CIVIC_PERSONAL_SLOTS"] = False  # the whole render each time, the person read each time
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    with app.app_context():
        bulk_registrations(meeting_id, 990)
        bulk_registrations(meeting_id, 200, confirmed=False)
    with count_queries() as large:
        page = client.get(url)
    assert "Posti disponibili: 1000 su 2000" in page_text(page)
    assert large.count == small.count, "\n".join(large.statements)


def test_the_consultation_page_lists_its_meetings_with_one_query(app, client, count_queries):
    with app.app_context():
        consultation = make_consultation(slug="coworking-genova-levante")
        make_meeting(consultation, title="Tavolo di lavoro", capacity=30)
        slug, consultation_id = consultation.slug, consultation.id
    page = page_text(client.get(f"/consultations/{slug}/"))
    assert "Tavolo di lavoro" in page and "Posti disponibili: 30 su 30" in page

    def loader_queries() -> tuple[int, int]:
        with app.test_request_context("/"), count_queries() as counter:
            consultation = db.session.get(Consultation, consultation_id)
            before = counter.count
            context = consultation_section(consultation, None)
            return counter.count - before, len(context["meetings"])

    assert loader_queries() == (1, 1)
    with app.app_context():
        for n in range(5):
            make_meeting(db.session.get(Consultation, consultation_id), title=f"Incontro {n}")
    assert loader_queries() == (1, 6)
