"""iCalendar (RFC 5545) files for meetings, built with the `icalendar` library: times in Europe/Rome with a
VTIMEZONE, stable UIDs, SEQUENCE from the meeting, STATUS:CANCELLED once cancelled. A calendar anyone
downloads is METHOD:PUBLISH; the one e-mailed to a registered person is an iTIP (RFC 5546) message:
METHOD:REQUEST with the ticket, METHOD:CANCEL when the meeting is cancelled, so calendar programs add, then
remove, the event."""
from __future__ import annotations

import functools
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app, url_for
from icalendar import Calendar, Event, Timezone

from civic.core.text import plain_excerpt
from civic.core.timezone import ROME
from civic.database import utcnow
from civic.meetings.models import Meeting, MeetingStatus

PRODID = "-//Civic//Meetings//IT"
PUBLISH, REQUEST, CANCEL = "PUBLISH", "REQUEST", "CANCEL"


def content_type(method: str) -> str:
    """The media type of a calendar with this METHOD; its `method` parameter must repeat it (RFC 5545 8.1)."""
    return f"text/calendar; charset=utf-8; method={method}"


def uid(meeting: Meeting) -> str:
    """Stable for the life of the meeting: meeting-<id>@<host of CIVIC_BASE_URL>."""
    host = urlsplit(current_app.config["CIVIC_BASE_URL"]).hostname or "localhost"
    return f"meeting-{meeting.id}@{host}"


def meeting_url(meeting: Meeting) -> str:
    return current_app.config["CIVIC_BASE_URL"] + url_for("meetings.show_meeting", meeting_id=meeting.id)


def location(meeting: Meeting) -> str:
    place = ", ".join(part for part in (meeting.venue_name, meeting.venue_address) if part)
    return place or (meeting.online_url or "")


def event(meeting: Meeting) -> Event:
    """One VEVENT for the meeting."""
    page = meeting_url(meeting)
    item = Event()
    item.add("uid", uid(meeting))
    item.add("dtstamp", utcnow())
    item.add("sequence", meeting.sequence)
    item.add("summary", meeting.title)
    item.add("dtstart", meeting.starts_at.astimezone(ROME))
    item.add("dtend", meeting.ends_at.astimezone(ROME))
    item.add("last-modified", meeting.updated_at)
    item.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    item.add("url", page)
    if location(meeting):
        item.add("location", location(meeting))
    if meeting.latitude is not None and meeting.longitude is not None:
        item.add("geo", (meeting.latitude, meeting.longitude))
    lines = [plain_excerpt(meeting.description, limit=1500)]
    if meeting.online_url:
        lines.append(f"Online: {meeting.online_url}")
    lines.append(page)
    item.add("description", "\n\n".join(line for line in lines if line))
    return item


@functools.cache
def _vtimezone() -> bytes:
    """The Europe/Rome VTIMEZONE as add_missing_timezones() writes it (transitions from 1970 to 2038, whatever
    the meetings): the same bytes for every calendar, and slower to build than all the rest of one (about
    15 ms), so built once per process."""
    return Timezone.from_tzid(ROME.key).to_ical()


def calendar(meetings: list[Meeting], name: str | None = None) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH), one VEVENT per meeting and the Europe/Rome VTIMEZONE they refer to."""
    return _written([event(meeting) for meeting in meetings], PUBLISH, name)


def invitation(meeting: Meeting, attendee: str, method: str) -> bytes:
    """The meeting as e-mailed to the registered person at `attendee`: METHOD:REQUEST with the ticket, or
    METHOD:CANCEL once the meeting is cancelled (the same UID; the SEQUENCE the cancellation raised, so higher
    than any REQUEST sent before; STATUS:CANCELLED). iTIP asks for an ORGANIZER, the site's sender address,
    and the ATTENDEE, whose seat is confirmed and who is not asked to reply."""
    item = event(meeting)
    sender_name, sender_address = parseaddr(current_app.config["CIVIC_MAIL_FROM"])
    item.add("organizer", f"mailto:{sender_address}", parameters={"CN": sender_name} if sender_name else None)
    guest = {"ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"}
    if method == REQUEST:
        guest["PARTSTAT"] = "ACCEPTED"
    item.add("attendee", f"mailto:{attendee}", parameters=guest)
    return _written([item], method)


def _written(events: list[Event], method: str, name: str | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", ROME.key)
    for item in events:
        cal.add_component(item)
    data = cal.to_ical()
    # Where add_missing_timezones() puts it: the first component, right before the first event's line (a
    # line of its own: a value's text cannot start a line, folded lines start with a space).
    head, first_event, rest = data.partition(b"\r\nBEGIN:VEVENT\r\n")
    if not first_event:
        return data  # no event, so no time refers to the zone and add_missing_timezones() adds nothing
    return head + b"\r\n" + _vtimezone() + first_event[2:] + rest
