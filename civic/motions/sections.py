"""What motions show on the shared pages: the home page, a consultation's page and its dashboard (declared in
civic/motions/feature.py). Each loader costs a fixed number of queries whatever the number of motions."""
from __future__ import annotations

from civic.database import db
from civic.motions import queries
from civic.motions.story import consultation_events

SHOWN = 20
ON_HOME = 3


def home() -> dict:
    """The latest public motions."""
    return {"recent_motions": db.session.scalars(queries.recent_motions(limit=ON_HOME)).all()}


def consultation_motions(consultation, viewer) -> dict:
    """The first motions of the consultation, how many there are, and their steps for the timeline."""
    motions = db.session.scalars(queries.consultation_motions(consultation.id, SHOWN)).all()
    total = db.session.scalar(queries.count_consultation_motions(consultation.id))
    return {"motions": motions, "total": total, "consultation": consultation,
            "timeline": consultation_events(motions)}


def dashboard(consultation) -> dict:
    """The consultation's motions with their supports, most supported first: one query."""
    return {"motions": db.session.execute(queries.dashboard_supports(consultation.id)).all()}
