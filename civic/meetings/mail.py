"""The e-mails about meetings, rendered in the recipient's language and queued in the outbox."""
from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from civic.accounts.models import User
from civic.meetings import ical, tickets
from civic.meetings.models import Meeting, Registration
from civic.outbox.services import enqueue


def absolute(endpoint: str, **values) -> str:
    return current_app.config["CIVIC_BASE_URL"] + url_for(endpoint, **values)


def check_in_url(meeting_id: int, code: str) -> str:
    """What the ticket's QR code carries: the check-in form of the meeting with the code filled in."""
    return absolute("meetings.check_in", meeting_id=meeting_id, code=code)


def render(user: User, template: str, subject, **context) -> tuple[str, str]:
    """(subject, text) of a meeting e-mail in the person's language; `subject` is a lazy string."""
    with force_locale(user.locale or str(get_locale())):
        return str(subject), render_template(f"meetings/email/{template}.txt", user=user, **context)


def _calendar_attachment(meeting: Meeting) -> tuple[str, str, bytes]:
    return (f"incontro-{meeting.id}.ics", "text/calendar", ical.calendar([meeting]))


def ticket_attachments(meeting: Meeting, code: str) -> list[tuple[str, str, bytes]]:
    """The meeting as an .ics file and the ticket's QR code as a PNG. Slow-ish (tens of milliseconds), so the
    RSVP builds them before it takes a seat, not while it holds the lock."""
    return [_calendar_attachment(meeting),
            (f"biglietto-{meeting.id}.png", "image/png", tickets.qr_png(check_in_url(meeting.id, code)))]


def send_ticket(registration: Registration, meeting: Meeting, promoted: bool = False,
                attachments: list[tuple[str, str, bytes]] | None = None) -> None:
    """The seat is confirmed: the ticket code, its QR code (PNG) and the meeting as an .ics file."""
    subject, text = render(
        registration.user, "promoted" if promoted else "confirmed",
        _l("Your seat is confirmed: %(title)s", title=meeting.title), meeting=meeting, registration=registration,
        code=tickets.spaced(registration.ticket_code),
        meeting_url=absolute("meetings.show_meeting", meeting_id=meeting.id),
        ticket_url=absolute("meetings.show_ticket", meeting_id=meeting.id),
    )
    enqueue(registration.user.email, subject, text,
            attachments=attachments or ticket_attachments(meeting, registration.ticket_code))


def send_waitlisted(registration: Registration, meeting: Meeting) -> None:
    subject, text = render(
        registration.user, "waitlisted", _l("You are on the waiting list: %(title)s", title=meeting.title),
        meeting=meeting, registration=registration,
        meeting_url=absolute("meetings.show_meeting", meeting_id=meeting.id),
    )
    enqueue(registration.user.email, subject, text)


def send_meeting_cancelled(registration: Registration, meeting: Meeting, reason: str) -> None:
    subject, text = render(
        registration.user, "meeting_cancelled", _l("Meeting cancelled: %(title)s", title=meeting.title),
        meeting=meeting, reason=reason, meeting_url=absolute("meetings.show_meeting", meeting_id=meeting.id),
    )
    enqueue(registration.user.email, subject, text, attachments=[_calendar_attachment(meeting)])


def reminder(registration: Registration) -> tuple[str, str]:
    """(subject, text) of the reminder sent before the meeting."""
    meeting = registration.meeting
    return render(
        registration.user, "reminder", _l("Reminder: %(title)s", title=meeting.title), meeting=meeting,
        registration=registration, code=tickets.spaced(registration.ticket_code),
        meeting_url=absolute("meetings.show_meeting", meeting_id=meeting.id),
        ticket_url=absolute("meetings.show_ticket", meeting_id=meeting.id),
    )
