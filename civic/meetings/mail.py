"""The e-mails about meetings, rendered in the recipient's language and queued in the outbox."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from civic.accounts.models import User
from civic.meetings import ical, tickets
from civic.meetings.models import Meeting, Registration
from civic.outbox.services import Attachment, Drawn, enqueue, register_maker


def absolute(endpoint: str, **values) -> str:
    return current_app.config["CIVIC_BASE_URL"] + url_for(endpoint, **values)


def check_in_url(meeting_id: int, code: str) -> str:
    """What the ticket's QR code carries: the check-in form of the meeting with the code filled in."""
    return absolute("meetings.check_in", meeting_id=meeting_id, code=code)


def render(user: User, template: str, subject, **context) -> tuple[str, str]:
    """(subject, text) of a meeting e-mail in the person's language; `subject` is a lazy string."""
    with force_locale(user.locale or str(get_locale())):
        return str(subject), render_template(f"meetings/email/{template}.txt", user=user, **context)


def _calendar_attachment(meeting: Meeting, attendee: str, method: str) -> tuple[str, str, bytes]:
    """The meeting as an iTIP calendar for one person (ical.invitation), typed with its method."""
    data = ical.invitation(meeting, attendee, method)
    return (f"incontro-{meeting.id}.ics", ical.content_type(method), data)


# The ticket's QR code is drawn by the outbox worker (about 20 ms, more than the rest of an RSVP).
QR_MAKER = "meetings.ticket_qr_png"
register_maker(QR_MAKER, tickets.qr_png)


def ticket_attachments(meeting: Meeting, code: str, attendee: str) -> list[Attachment]:
    """The meeting as an .ics invitation (METHOD:REQUEST) for `attendee` and the ticket's QR code as a PNG,
    drawn at delivery from the check-in address it carries."""
    return [_calendar_attachment(meeting, attendee, ical.REQUEST),
            Drawn(f"biglietto-{meeting.id}.png", "image/png", QR_MAKER, check_in_url(meeting.id, code))]


@dataclass(frozen=True)
class Prepared:
    """An e-mail rendered and ready to queue (`queue`)."""

    to: str
    subject: str
    text: str
    attachments: list[Attachment]


def ticket(user: User, meeting: Meeting, code: str, promoted: bool = False, companions: int = 0,
           approved: bool = False) -> Prepared:
    """The seat is confirmed (just now, from the waiting list when `promoted`, or by the organisers'
    approval when `approved`): the ticket code, its QR code (PNG) and the meeting as an .ics file."""
    template = "approved" if approved else "promoted" if promoted else "confirmed"
    subject, text = render(
        user, template,
        _l("Your seat is confirmed: %(title)s", title=meeting.title), meeting=meeting,
        code=tickets.spaced(code), companions=companions,
        meeting_url=absolute("meetings.show_meeting", meeting_id=meeting.id),
        ticket_url=absolute("meetings.show_ticket", meeting_id=meeting.id),
    )
    return Prepared(user.email, subject, text, ticket_attachments(meeting, code, user.email))


def waitlisted(user: User, meeting: Meeting, approved: bool = False) -> Prepared:
    subject, text = render(
        user, "waitlisted", _l("You are on the waiting list: %(title)s", title=meeting.title),
        meeting=meeting, meeting_url=absolute("meetings.show_meeting", meeting_id=meeting.id),
        approved=approved,
    )
    return Prepared(user.email, subject, text, [])


def awaiting_approval(user: User, meeting: Meeting) -> Prepared:
    """The registration reached the organisers, who will approve or refuse it."""
    subject, text = render(
        user, "awaiting_approval", _l("Registration received, awaiting approval: %(title)s",
                                      title=meeting.title),
        meeting=meeting, meeting_url=absolute("meetings.show_meeting", meeting_id=meeting.id),
    )
    return Prepared(user.email, subject, text, [])


def refused(user: User, meeting: Meeting) -> Prepared:
    subject, text = render(
        user, "refused", _l("Registration not accepted: %(title)s", title=meeting.title),
        meeting=meeting, meeting_url=absolute("meetings.show_meeting", meeting_id=meeting.id),
    )
    return Prepared(user.email, subject, text, [])


def queue(mail: Prepared) -> None:
    enqueue(mail.to, mail.subject, mail.text, attachments=mail.attachments)


def send_ticket(registration: Registration, meeting: Meeting, promoted: bool = False) -> None:
    queue(ticket(registration.user, meeting, registration.ticket_code, promoted, registration.companions))


def send_meeting_cancelled(registration: Registration, meeting: Meeting, reason: str) -> None:
    subject, text = render(
        registration.user, "meeting_cancelled", _l("Meeting cancelled: %(title)s", title=meeting.title),
        meeting=meeting, reason=reason, meeting_url=absolute("meetings.show_meeting", meeting_id=meeting.id),
    )
    # METHOD:CANCEL, so calendars that took the ticket's invitation remove the event.
    to = registration.user.email
    enqueue(to, subject, text, attachments=[_calendar_attachment(meeting, to, ical.CANCEL)])


def reminder(registration: Registration) -> tuple[str, str]:
    """(subject, text) of the reminder sent before the meeting."""
    meeting = registration.meeting
    return render(
        registration.user, "reminder", _l("Reminder: %(title)s", title=meeting.title), meeting=meeting,
        registration=registration, code=tickets.spaced(registration.ticket_code),
        meeting_url=absolute("meetings.show_meeting", meeting_id=meeting.id),
        ticket_url=absolute("meetings.show_ticket", meeting_id=meeting.id),
    )
