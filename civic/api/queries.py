"""Reads for the open-data pages."""
from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from civic.bodies.models import Body
from civic.consultations.models import Consultation, ConsultationStatus
from civic.core import features


def open_data_bodies() -> Select[tuple[Body]]:
    """Bodies that publish anything public (a consultation, or whatever a feature publishes on its own), with
    their data licence, by name."""
    publishing = [select(Consultation.body_id).where(Consultation.status != ConsultationStatus.DRAFT)]
    publishing += [public_bodies() for public_bodies in features.each("public_bodies")]
    return (select(Body).where(or_(*(Body.id.in_(query) for query in publishing)))
            .options(selectinload(Body.parent)).order_by(Body.name))
