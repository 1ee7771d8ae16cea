"""A meeting as a schema.org Event in JSON-LD, for search engines and assistants: the data block of the
meeting's page, beside its iCalendar file (civic.meetings.ical)."""
from __future__ import annotations

import json

from markupsafe import Markup

from civic.core.text import plain_excerpt
from civic.core.timezone import ROME
from civic.meetings.ical import meeting_url
from civic.meetings.models import Meeting, MeetingStatus


def _places(meeting: Meeting) -> list[dict]:
    places = []
    if meeting.venue_name:
        place = {"@type": "Place", "name": meeting.venue_name, "address": meeting.venue_address or None}
        if meeting.latitude is not None and meeting.longitude is not None:
            place["geo"] = {"@type": "GeoCoordinates", "latitude": meeting.latitude,
                            "longitude": meeting.longitude}
        places.append(place)
    if meeting.online_url:
        places.append({"@type": "VirtualLocation", "url": meeting.online_url})
    return places


def event(meeting: Meeting) -> dict:
    """The schema.org Event of the meeting (its consultation and body loaded); keys without a value are left
    out."""
    places = _places(meeting)
    status = "EventCancelled" if meeting.status == MeetingStatus.CANCELLED else "EventScheduled"
    mode = "Mixed" if len(places) == 2 else "Online" if meeting.online_url else "Offline"
    body = meeting.consultation.body
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": meeting.title,
        "description": plain_excerpt(meeting.description, limit=500) or None,
        "startDate": meeting.starts_at.astimezone(ROME).isoformat(),
        "endDate": meeting.ends_at.astimezone(ROME).isoformat(),
        "eventStatus": f"https://schema.org/{status}",
        "eventAttendanceMode": f"https://schema.org/{mode}EventAttendanceMode",
        "location": places[0] if len(places) == 1 else places,
        "organizer": {"@type": "GovernmentOrganization", "name": body.full_name, "url": body.website or None},
        "isAccessibleForFree": True,
        "url": meeting_url(meeting),
        "inLanguage": "it",
    }
    if meeting.capacity is not None:
        data["maximumAttendeeCapacity"] = meeting.capacity
        data["remainingAttendeeCapacity"] = meeting.seats_left
    return {key: value for key, value in data.items() if value is not None}


def script(meeting: Meeting) -> Markup:
    """The Event as the text of a <script type="application/ld+json"> element."""
    text = json.dumps(event(meeting), ensure_ascii=False, separators=(",", ":"))
    # "</script>" or "<!--" inside a title must not end the data block.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
