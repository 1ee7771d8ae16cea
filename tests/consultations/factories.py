"""Consultations for tests. Call inside an app context; each factory commits what it makes."""
from __future__ import annotations

import datetime as dt
import itertools

from civic.consultations.models import Consultation, ConsultationPhase, ConsultationStatus
from civic.database import db, utcnow

_sequence = itertools.count(1)


def make_consultation(body, title: str | None = None,
                      status: ConsultationStatus = ConsultationStatus.PUBLISHED,
                      topics: list[str] | None = None, phases: list[tuple[str, dt.date, dt.date | None]] = (),
                      **fields) -> Consultation:
    n = next(_sequence)
    consultation = Consultation(
        slug=fields.pop("slug", f"consultazione-{n}"), body_id=body.id, title=title or f"Consultazione {n}",
        status=status, topics=list(topics or []),
        published_at=None if status == ConsultationStatus.DRAFT else utcnow(), **fields,
    )
    for position, (name, starts_on, ends_on) in enumerate(phases):
        consultation.phases.append(ConsultationPhase(position=position, name=name, starts_on=starts_on,
                                                     ends_on=ends_on))
    db.session.add(consultation)
    db.session.commit()
    return consultation
