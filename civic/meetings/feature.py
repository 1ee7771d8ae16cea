"""Public meetings: agenda, seats with a waiting list, tickets and check-in, calendars, reminders."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from civic.core.features import (
    Feature,
    Feed,
    Followable,
    Link,
    NotificationKind,
    PersonalRecords,
    Section,
    Waiting,
)
from civic.core.records import count_of, stream
from civic.meetings import api, demo, queries, sections, services
from civic.meetings.models import Meeting
from civic.meetings.views import bp


def _reminders() -> str | None:
    queued = services.queue_due_reminders()
    return f"queued {queued} meeting reminders" if queued else None


feature = Feature(
    name="meetings",
    blueprint=bp,
    menu=[Link("meetings.list_meetings", _l("Meetings"))],
    manage=[Link("meetings.manage_meetings", _l("Meetings"),
                 _l("Publish meetings with agenda and seats, see who is coming, check people in, keep the "
                    "minutes."))],
    home=Section("meetings", "meetings/_home.html", sections.home),
    # RSVPs and seats announce their meeting (civic.core.pagecache)
    keyed_tables=frozenset({"meeting_registrations", "meetings", "meeting_quotas"}),
    consultation=Section("meetings", "meetings/_consultation_section.html", sections.consultation_section),
    # Registrations of upcoming meetings that need the organisers' approval.
    waiting=[Waiting("meeting_approvals", _l("Meeting registrations awaiting approval"),
                     "meetings.list_approvals", queries.pending_count)],
    dashboard=Section("meetings", "meetings/_dashboard.html", sections.dashboard),
    participants=queries.registrants,
    personal_data=[PersonalRecords(
        "meeting_registrations", _l("Meeting registrations"),
        _l("The meeting, your status (confirmed, waiting list, awaiting approval, not accepted, cancelled), "
           "the category you chose, the companions you bring, your answers to the organisers' questions, "
           "your note, your accessibility needs and whether you were checked in."),
        lambda user_id: count_of(queries.registrations_of(user_id)),
        lambda user_id: stream(queries.registrations_of(user_id)),
        _l("Your meeting registrations are cancelled and then deleted. Your seats go to the first people on "
           "the waiting list, who are told by e-mail."))],
    # Seats are given back (the waiting list moves up) before the registrations go with the account.
    on_account_deletion=services.withdraw_person,
    feeds=[Feed("meetings.meetings_ics", _l("Public meetings calendar"), "iCalendar",
                _l("Every public meeting, for any calendar application."), media_type="text/calendar",
                per_body=lambda body: {"body": body.slug}, keywords=("incontri pubblici", "calendario"))],
    api=api.part,
    periodic=[_reminders],
    followables=[Followable("meeting", Meeting, _l("Meeting"),
                            lambda meeting: url_for("meetings.show_meeting", meeting_id=meeting.id))],
    notification_kinds=[
        NotificationKind("meeting.changed", "meeting", _l("A meeting I follow changes"),
                         _l("Meeting changed: %(title)s")),
        NotificationKind("meeting.cancelled", "meeting", _l("A meeting I follow is cancelled"),
                         _l("Meeting cancelled: %(title)s")),
        NotificationKind("meeting.minutes", "meeting", _l("The minutes of a meeting I follow are published"),
                         _l("Minutes published: %(title)s")),
    ],
    demo=demo.load,
)
