"""What meetings show on the shared pages: the home page, a consultation's page and its dashboard (declared in
civic/meetings/feature.py)."""
from __future__ import annotations

from flask import url_for

from civic.consultations.timeline import TimelineEvent
from civic.core.timezone import local_date
from civic.database import db, utcnow
from civic.meetings import queries
from civic.meetings.models import Meeting, MeetingStatus

ON_HOME = 3


def home() -> dict:
    """The next public meetings (not ended yet), soonest first: one query."""
    meetings = db.session.scalars(queries.public_meetings(utcnow()).limit(ON_HOME)).unique().all()
    return {"next_meetings": meetings}


def _event(meeting: Meeting, now) -> TimelineEvent:
    return TimelineEvent(
        on=local_date(meeting.starts_at),
        title=meeting.title,
        kind="meeting",
        url=url_for("meetings.show_meeting", meeting_id=meeting.id),
        planned=meeting.is_upcoming(now),
    )


def consultation_section(consultation, viewer) -> dict:
    """The consultation's meetings in date order with their seat counts (columns, no count query), split into
    upcoming and past, and their dates for the timeline: one query whatever their number."""
    meetings = db.session.scalars(queries.consultation_meetings(consultation.id)).all()
    now = utcnow()
    return {
        "upcoming_meetings": [m for m in meetings if m.is_upcoming(now)],
        "past_meetings": [m for m in meetings if not m.is_upcoming(now)],
        "meetings": meetings,
        "timeline": [_event(m, now) for m in meetings if m.status != MeetingStatus.CANCELLED],
    }


def dashboard(consultation) -> dict:
    """Registrations and seats per meeting of the consultation: one query."""
    return {"meetings": db.session.execute(queries.dashboard_seats(consultation.id)).all()}
