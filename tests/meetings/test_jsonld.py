"""The schema.org Event (JSON-LD) a meeting page carries, byte for byte: what search engines read about the
meeting, built by civic.meetings.jsonld."""
from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest

from civic.meetings.models import MeetingStatus
from tests.factories import make_body
from tests.meetings.factories import make_consultation, make_meeting

ROME = ZoneInfo("Europe/Rome")
BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def consultation(app_ctx):
    genova = make_body("comune-di-genova", "Comune di Genova")
    genova.website = "https://www.comune.genova.it"
    levante = make_body("municipio-ix-levante", "Municipio IX Levante", parent=genova)
    return make_consultation(levante, slug="coworking-levante")


def block_of(client, meeting_id: int) -> str:
    [block] = BLOCK.findall(client.get(f"/meetings/{meeting_id}").get_data(as_text=True))
    return block


def test_an_event_in_a_hall_with_seats(client, consultation):
    meeting = make_meeting(
        consultation, capacity=30, title="Tavolo di lavoro <coworking> & spazi",
        starts_at=dt.datetime(2031, 3, 20, 17, 30, tzinfo=ROME),
        ends_at=dt.datetime(2031, 3, 20, 19, 0, tzinfo=ROME),
        description="Un **tavolo** aperto a tutti.", venue_name="Sala del Municipio", venue_address="",
        latitude=44.39, longitude=9.0,
    )
    assert block_of(client, meeting.id) == (
        '{"@context":"https://schema.org","@type":"Event","name":"Tavolo di lavoro \\u003ccoworking\\u003e '
        '\\u0026 spazi","description":"Un tavolo aperto a tutti.","startDate":"2031-03-20T17:30:00+01:00",'
        '"endDate":"2031-03-20T19:00:00+01:00","eventStatus":"https://schema.org/EventScheduled",'
        '"eventAttendanceMode":"https://schema.org/OfflineEventAttendanceMode","location":{"@type":"Place",'
        '"name":"Sala del Municipio","address":null,"geo":{"@type":"GeoCoordinates","latitude":44.39,'
        '"longitude":9.0}},"organizer":{"@type":"GovernmentOrganization","name":"Municipio IX Levante '
        '(Comune di Genova)","url":null},"isAccessibleForFree":true,'
        f'"url":"http://localhost/meetings/{meeting.id}","inLanguage":"it","maximumAttendeeCapacity":30,'
        '"remainingAttendeeCapacity":30}'
    )


def test_a_cancelled_event_both_in_a_hall_and_online(client, consultation):
    meeting = make_meeting(
        consultation, title="Assemblea", status=MeetingStatus.CANCELLED,
        starts_at=dt.datetime(2031, 7, 1, 18, 0, tzinfo=ROME),
        ends_at=dt.datetime(2031, 7, 1, 20, 0, tzinfo=ROME),
        venue_name="Biblioteca", venue_address="Via Roma 1", online_url="https://meet.example.org/assemblea",
    )
    data = json.loads(block_of(client, meeting.id))
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["startDate"] == "2031-07-01T18:00:00+02:00"
    assert data["location"] == [
        {"@type": "Place", "name": "Biblioteca", "address": "Via Roma 1"},
        {"@type": "VirtualLocation", "url": "https://meet.example.org/assemblea"},
    ]
    assert "description" not in data and "maximumAttendeeCapacity" not in data


def test_an_online_event_of_a_body_with_a_website(client, app_ctx):
    body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
    body.website = "https://www.comune.noviligure.al.it"
    meeting = make_meeting(make_consultation(body), title="Webinar", venue_name="", venue_address="",
                           online_url="https://meet.example.org/webinar")
    data = json.loads(block_of(client, meeting.id))
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://meet.example.org/webinar"}
    assert data["organizer"] == {"@type": "GovernmentOrganization", "name": "Comune di Novi Ligure",
                                 "url": "https://www.comune.noviligure.al.it"}
