"""The surveys section of a consultation page (declared in civic/surveys/feature.py)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from civic.consultations.timeline import TimelineEvent
from civic.core.timezone import ROME
from civic.database import db, utcnow
from civic.surveys import queries
from civic.surveys.models import Survey


def _events(survey: Survey, now) -> list[TimelineEvent]:
    url = url_for("surveys.show_survey", survey_id=survey.id)
    events = []
    if survey.opens_at is not None:
        events.append(TimelineEvent(survey.opens_at.astimezone(ROME).date(),
                                    _("Survey opens: %(title)s", title=survey.title), "survey", url,
                                    planned=survey.opens_at > now))
    if survey.closes_at is not None:
        events.append(TimelineEvent(survey.closes_at.astimezone(ROME).date(),
                                    _("Survey closes: %(title)s", title=survey.title), "survey", url,
                                    planned=survey.closes_at > now))
    return events


ON_HOME = 3


def home() -> dict:
    """The surveys taking answers now, the soonest to close first: one query."""
    return {"open_surveys": db.session.scalars(queries.open_surveys(utcnow(), ON_HOME)).all()}


def consultation_surveys(consultation, viewer) -> dict:
    """The consultation's public surveys (drafts never) and their opening and closing dates for the timeline:
    one query whatever their number."""
    surveys = db.session.scalars(queries.consultation_surveys(consultation.id)).all()
    now = utcnow()
    return {
        "surveys": surveys,
        "now": now,
        "timeline": [event for survey in surveys for event in _events(survey, now)],
    }
