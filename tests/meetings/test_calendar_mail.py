"""The calendar a registered person gets by e-mail, read with `icalendar` from what a real SMTP server
received: an invitation (METHOD:REQUEST) with the ticket, its cancellation (METHOD:CANCEL, the same UID, a
higher SEQUENCE, STATUS:CANCELLED) when the meeting is cancelled; a downloaded calendar stays PUBLISH."""
from __future__ import annotations

from icalendar import Calendar

from tests.conftest import AuthActions, post_form
from tests.factories import make_body, make_user
from tests.meetings.factories import make_consultation, make_meeting
from tests.support.mail import deliver


def calendar_part(message):
    """The one text/calendar attachment of a received e-mail."""
    [part] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    return part


def test_the_ticket_invites_and_the_cancellation_removes_the_event(app, client, mail_server):
    with app.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        meeting = make_meeting(make_consultation(body), capacity=10, title="Incontro sul coworking à Novi")
        meeting_id = meeting.id
        citizen = make_user(name="Anna Bianchi").email
        councillor = make_user(councillor_of=body).email

    AuthActions(client).login(citizen)
    booked = post_form(client, f"/meetings/{meeting_id}/register",
                       {"category": "cittadini", "accessibility_needs": "", "note": ""})
    assert booked.status_code == 302
    assert deliver(app)["sent"] == 1
    [ticket] = mail_server.messages_to(citizen)
    part = calendar_part(ticket)
    assert (part.get_param("charset"), part.get_param("method")) == ("utf-8", "REQUEST")
    invitation = Calendar.from_ical(part.get_content())
    assert str(invitation["METHOD"]) == "REQUEST"
    [invited] = invitation.walk("VEVENT")
    assert str(invited["SUMMARY"]) == "Incontro sul coworking à Novi"  # utf-8 read back as written
    assert str(invited["STATUS"]) == "CONFIRMED"
    assert str(invited["ATTENDEE"]) == f"mailto:{citizen}"
    guest = invited["ATTENDEE"].params
    assert (guest["PARTSTAT"], guest["RSVP"]) == ("ACCEPTED", "FALSE")
    assert str(invited["ORGANIZER"]) == "mailto:noreply@civic.localhost"

    councillor_client = app.test_client()
    AuthActions(councillor_client).login(councillor)
    cancelled = post_form(councillor_client, f"/manage/meetings/{meeting_id}", {"reason": "Sala inagibile."},
                          action=f"/manage/meetings/{meeting_id}/cancel")
    assert cancelled.status_code == 302
    assert deliver(app)["sent"] == 1
    [_, notice] = mail_server.messages_to(citizen)
    assert notice["Subject"].startswith("Incontro annullato")
    part = calendar_part(notice)
    assert (part.get_param("charset"), part.get_param("method")) == ("utf-8", "CANCEL")
    cancellation = Calendar.from_ical(part.get_content())
    assert str(cancellation["METHOD"]) == "CANCEL"
    [removed] = cancellation.walk("VEVENT")
    assert str(removed["UID"]) == str(invited["UID"]) == f"meeting-{meeting_id}@localhost"
    assert int(removed["SEQUENCE"]) > int(invited["SEQUENCE"])
    assert str(removed["STATUS"]) == "CANCELLED"
    assert str(removed["ATTENDEE"]) == f"mailto:{citizen}"

    # The calendar anyone downloads is published, not sent to someone: METHOD:PUBLISH, said by its type too.
    download = client.get(f"/meetings/{meeting_id}.ics")
    assert download.headers["Content-Type"] == "text/calendar; charset=utf-8; method=PUBLISH"
    published = Calendar.from_ical(download.data)
    assert str(published["METHOD"]) == "PUBLISH" and "ATTENDEE" not in published.walk("VEVENT")[0]
