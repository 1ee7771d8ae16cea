"""Writes about consultations: validate, change, flush, record in the audit log, return. Never commit."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select

from civic.audit.services import record
from civic.consultations import queries
from civic.consultations.models import Consultation, ConsultationPhase, ConsultationStatus, InvalidTransition
from civic.database import db


class ConsultationError(Exception):
    """A rule refused the change. The message is for the user; `field` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def slugify(text: str, limit: int = 100) -> str:
    """"Coworking a Genova: più spazi" -> "coworking-a-genova-piu-spazi"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-")
    return slug or "consultazione"


def _free_slug(base: str, except_id: int | None) -> str:
    candidate, number = base, 1
    while db.session.scalar(queries.slug_taken(candidate, except_id)) is not None:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def set_topics(owner, topics: list[str]) -> None:
    """Make owner.topics (an association proxy) equal to `topics`, touching only the rows that change."""
    current = list(owner.topics)
    for name in current:
        if name not in topics:
            owner.topics.remove(name)
    for name in topics:
        if name not in current:
            owner.topics.append(name)


def save_consultation(actor, consultation: Consultation | None, *, body_id: int, title: str, slug: str | None,
                      summary: str, description: str, topics: list[str], opens_on: dt.date | None,
                      closes_on: dt.date | None, comment_audience: str | None = None,
                      comment_audience_level: int | None = None) -> Consultation:
    """Create (consultation None) or update a consultation. A new one starts as a draft."""
    existing_id = consultation.id if consultation is not None else None
    if slug:
        if db.session.scalar(queries.slug_taken(slug, existing_id)) is not None:
            raise ConsultationError(_("This short name is already used by another consultation."),
                                    field="slug")
    else:
        slug = consultation.slug if consultation is not None else _free_slug(slugify(title), existing_id)
    creating = consultation is None
    if creating:
        consultation = Consultation()
        db.session.add(consultation)
    consultation.body_id = body_id
    consultation.title = title.strip()
    consultation.slug = slug
    consultation.summary = summary.strip()
    consultation.description = description
    consultation.opens_on = opens_on
    consultation.closes_on = closes_on
    if comment_audience is not None:  # who may comment (the comments feature applies it)
        consultation.comment_audience = comment_audience
        consultation.comment_audience_level = comment_audience_level or 2
    set_topics(consultation, topics)
    db.session.flush()
    record(actor, "consultation.create" if creating else "consultation.update", consultation,
           consultation.title)
    return consultation


# What a councillor can do to a consultation: action -> (the status it applies to, the model's method).
STATUS_ACTIONS = {
    "publish": (ConsultationStatus.DRAFT, Consultation.publish),
    "close": (ConsultationStatus.PUBLISHED, Consultation.close),
    "reopen": (ConsultationStatus.CLOSED, Consultation.publish),
    "archive": (ConsultationStatus.CLOSED, Consultation.archive),
}


def available_actions(consultation: Consultation) -> list[str]:
    return [action for action, (status, _method) in STATUS_ACTIONS.items() if consultation.status == status]


def change_status(actor, consultation: Consultation, action: str) -> None:
    """Publish, close, reopen or archive; refuses moves the lifecycle does not allow."""
    status, method = STATUS_ACTIONS[action]
    try:
        if consultation.status != status:
            raise InvalidTransition(f"{action} from {consultation.status}")
        method(consultation)
    except InvalidTransition as error:
        raise ConsultationError(_("This consultation cannot be changed that way now.")) from error
    db.session.flush()
    record(actor, f"consultation.{action}", consultation, consultation.title)


def save_phase(actor, consultation: Consultation, phase: ConsultationPhase | None, *, name: str,
               starts_on: dt.date, ends_on: dt.date | None, description: str) -> ConsultationPhase:
    """Add a phase at the end of the list, or update one."""
    creating = phase is None
    if creating:
        last = db.session.scalar(select(func.max(ConsultationPhase.position))
                                 .where(ConsultationPhase.consultation_id == consultation.id))
        phase = ConsultationPhase(consultation_id=consultation.id, position=0 if last is None else last + 1)
        db.session.add(phase)
    phase.name = name.strip()
    phase.starts_on = starts_on
    phase.ends_on = ends_on
    phase.description = description
    db.session.flush()
    record(actor, "phase.create" if creating else "phase.update", consultation, phase.name)
    return phase


def delete_phase(actor, consultation: Consultation, phase: ConsultationPhase) -> None:
    db.session.delete(phase)
    db.session.flush()
    record(actor, "phase.delete", consultation, phase.name)


def move_phase_up(actor, consultation: Consultation, phase: ConsultationPhase) -> None:
    """Swap the phase with the one before it (nothing happens to the first)."""
    before = [other for other in consultation.phases if other.position < phase.position]
    if not before:
        return
    previous = before[-1]
    mine, theirs = phase.position, previous.position
    # Three steps, because (consultation, position) is unique at every moment on PostgreSQL.
    phase.position = max(p.position for p in consultation.phases) + 1
    db.session.flush()
    previous.position = mine
    db.session.flush()
    phase.position = theirs
    db.session.flush()
    record(actor, "phase.move", consultation, phase.name)
