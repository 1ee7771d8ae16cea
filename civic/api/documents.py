"""What the API says about each object: plain dictionaries of public facts only (no person, no draft)."""
from __future__ import annotations

import datetime as dt

from flask import url_for

from civic.bodies.models import Body
from civic.consultations.models import Consultation
from civic.meetings.models import Meeting


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: dt.datetime | None) -> str | None:
    """Stored moments are UTC; the API says so explicitly (RFC 3339 with offset)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def body(item: Body) -> dict:
    return {"slug": item.slug, "name": item.name, "parent": item.parent.slug if item.parent else None}


def consultation(item: Consultation) -> dict:
    return {
        "slug": item.slug,
        "title": item.title,
        "summary": item.summary,
        "status": item.status.value,
        "body": body(item.body),
        "topics": list(item.topics),
        "opens_on": _day(item.opens_on),
        "closes_on": _day(item.closes_on),
        "published_at": _moment(item.published_at),
        "url": url_for("consultations.show_consultation", slug=item.slug, _external=True),
        "api_url": url_for("api.consultation", slug=item.slug, _external=True),
    }


def consultation_detail(item: Consultation) -> dict:
    return {
        **consultation(item),
        "description": item.description,
        "phases": [{"name": phase.name, "starts_on": _day(phase.starts_on), "ends_on": _day(phase.ends_on),
                    "description": phase.description} for phase in item.phases],
    }


def meeting(item: Meeting) -> dict:
    return {
        "id": item.id,
        "title": item.title,
        "status": item.status.value,
        "starts_at": _moment(item.starts_at),
        "ends_at": _moment(item.ends_at),
        "venue": {"name": item.venue_name, "address": item.venue_address,
                  "latitude": item.latitude, "longitude": item.longitude},
        "online_url": item.online_url or None,
        "capacity": item.capacity,
        "seats_left": item.seats_left,
        "consultation": item.consultation.slug,
        "url": url_for("meetings.show_meeting", meeting_id=item.id, _external=True),
        "calendar_url": url_for("meetings.meeting_ics", meeting_id=item.id, _external=True),
        "api_url": url_for("api.meeting", meeting_id=item.id, _external=True),
    }


def meeting_detail(item: Meeting) -> dict:
    return {
        **meeting(item),
        "description": item.description,
        "agenda": [{"time": entry.time.strftime("%H:%M") if entry.time else None, "title": entry.title,
                    "speaker": entry.speaker or None, "affiliation": entry.affiliation or None}
                   for entry in item.agenda_items],
        "minutes": item.minutes or None,
        "attendance": item.attendance_count,
    }
