"""The consultation dashboard for councillors (a fixed number of aggregate queries) and the list of open-data
feeds the public can download."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from civic.consultations.models import Consultation
from civic.database import db
from civic.results import queries
from civic.results.report import Day, local_days


@dataclass
class Board:
    people: int  # distinct people with an account who took part in any way
    unnamed_responses: int  # survey responses that carry no person (anonymous surveys, paper)
    surveys: list  # (survey, responses)
    days: list[Day]  # survey responses per day, all surveys together
    meetings: list  # (meeting, confirmed, waitlisted, checked in)
    motions: list  # (motion, supports)
    calls: list  # (interest call, live declarations, future users, possible managers, managers consenting)

    @property
    def responses(self) -> int:
        return sum(count for _survey, count in self.surveys)


def build(consultation: Consultation) -> Board:
    """Six queries, whatever the numbers of surveys, responses, meetings, motions and declarations."""
    dialect = db.session.get_bind().dialect.name
    people, unnamed = db.session.execute(queries.participants(consultation.id)).one()
    return Board(
        people=int(people or 0),
        unnamed_responses=int(unnamed or 0),
        surveys=db.session.execute(queries.survey_response_totals(consultation.id)).all(),
        days=local_days(db.session.execute(queries.survey_responses_per_hour(consultation.id, dialect)).all()),
        meetings=db.session.execute(queries.meeting_seats(consultation.id)).all(),
        motions=db.session.execute(queries.motion_supports(consultation.id)).all(),
        calls=db.session.execute(queries.interest_declarations(consultation.id)).all(),
    )


@dataclass(frozen=True)
class Feed:
    title: object
    url: str
    format: str
    description: object


# What the platform publishes as open data, by endpoint: listed only when the feature that serves it is there.
FEEDS = [
    ("motions.list_motions_json", _l("Council motions"), "JSON",
     _l("Every public motion with its status, proposers, the council's vote and the follow-up.")),
    ("meetings.meetings_ics", _l("Public meetings calendar"), "iCalendar",
     _l("Every public meeting, for any calendar application.")),
    ("api.openapi", _l("API description"), "OpenAPI (JSON)",
     _l("The read-only JSON API of the platform and how to use it.")),
]


def open_feeds(app: Flask) -> list[Feed]:
    return [Feed(title, url_for(endpoint), kind, description)
            for endpoint, title, kind, description in FEEDS if endpoint in app.view_functions]
