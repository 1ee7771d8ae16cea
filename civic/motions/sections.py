"""The motions section of a consultation page (registered in civic.consultations.components.SECTIONS)."""
from __future__ import annotations

from civic.database import db
from civic.motions import queries
from civic.motions.story import consultation_events

SHOWN = 20


def consultation_motions(consultation, viewer) -> dict:
    """The first motions of the consultation, how many there are, and their steps for the timeline: the same
    number of queries whatever the number of motions."""
    motions = db.session.scalars(queries.consultation_motions(consultation.id, SHOWN)).all()
    total = db.session.scalar(queries.count_consultation_motions(consultation.id))
    return {"motions": motions, "total": total, "consultation": consultation,
            "timeline": consultation_events(motions)}
