"""Calendar files are the bytes icalendar itself writes, though the Europe/Rome VTIMEZONE is built once."""
from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from civic.meetings import ical
from tests.meetings.factories import make_meeting

STAMP = dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)


def written_by_icalendar(meetings, name=None) -> bytes:
    """The calendar as icalendar writes it when asked for the missing time zones (what ical.calendar did)."""
    cal = Calendar()
    for prop, value in (("prodid", ical.PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                        ("method", "PUBLISH")):
        cal.add(prop, value)
    if name:
        cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Rome")
    for meeting in meetings:
        cal.add_component(ical.event(meeting))
    cal.add_missing_timezones()
    return cal.to_ical()


@pytest.mark.parametrize("count, name", [(0, "Incontri"), (1, None), (3, "BEGIN:VEVENT")])
def test_a_calendar_is_byte_for_byte_what_icalendar_writes(ctx, monkeypatch, count, name):
    monkeypatch.setattr(ical, "utcnow", lambda: STAMP)  # DTSTAMP, the one value that depends on the moment
    description = "Primo paragrafo.\n\nSecondo, più lungo " * 20
    meetings = [make_meeting(title=f"Incontro {n}", description=description,
                             online_url="https://meet.example/civic" if n else None,
                             latitude=44.76 if n == 2 else None, longitude=8.78 if n == 2 else None,
                             starts_in=dt.timedelta(days=40 * n + 1)) for n in range(count)]
    for _ in range(2):  # the time zone built the first time, then kept
        assert ical.calendar(meetings, name=name) == written_by_icalendar(meetings, name=name)
    parsed = Calendar.from_ical(ical.calendar(meetings, name=name))
    assert len(parsed.walk("VTIMEZONE")) == (1 if count else 0) and len(parsed.walk("VEVENT")) == count
