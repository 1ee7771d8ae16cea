"""What survey results show on the shared pages: a consultation's dashboard and the open-data page (declared
in civic/results/feature.py)."""
from __future__ import annotations

from civic.database import db, utcnow
from civic.results import queries
from civic.results.report import local_days


def dashboard(consultation) -> dict:
    """Responses per survey (and those that carry no person), and per day for all surveys: two queries."""
    dialect = db.session.get_bind().dialect.name
    surveys = db.session.execute(queries.survey_response_totals(consultation.id)).all()
    return {
        "surveys": [(survey, responses) for survey, responses, _unnamed in surveys],
        "responses": sum(responses for _survey, responses, _unnamed in surveys),
        "unnamed_responses": sum(unnamed for _survey, _responses, unnamed in surveys),
        "days": local_days(db.session.execute(
            queries.survey_responses_per_hour(consultation.id, dialect)).all()),
    }


def open_data() -> dict:
    """Closed surveys with public results and their number of responses: one query."""
    return {"surveys": db.session.execute(queries.open_data_surveys(utcnow())).all()}
