"""Reads about consultations. Public reads never return drafts."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from civic.bodies.models import Body
from civic.consultations.models import Consultation, ConsultationStatus, ConsultationTopic

PUBLIC = Consultation.status != ConsultationStatus.DRAFT


def _with_listing_details(query: Select) -> Select:
    return query.options(
        joinedload(Consultation.body).joinedload(Body.parent), selectinload(Consultation.topic_rows)
    )


def public_consultations(body_id: int | None = None, status: str | None = None,
                         topic: str | None = None) -> Select[tuple[Consultation]]:
    """Published, closed and archived consultations, newest first, optionally filtered."""
    query = select(Consultation).where(PUBLIC)
    if body_id:
        query = query.where(Consultation.body_id == body_id)
    if status:
        query = query.where(Consultation.status == ConsultationStatus(status))
    if topic:
        query = query.where(
            Consultation.id.in_(select(ConsultationTopic.consultation_id)
                                .where(ConsultationTopic.name == topic))
        )
    return _with_listing_details(query.order_by(Consultation.published_at.desc(), Consultation.id.desc()))


def open_consultations(limit: int) -> Select[tuple[Consultation]]:
    """The consultations running now, the most recently opened first (for the home page)."""
    query = select(Consultation).where(Consultation.status == ConsultationStatus.PUBLISHED)
    query = query.order_by(Consultation.published_at.desc(), Consultation.id.desc()).limit(limit)
    return _with_listing_details(query)


def public_topics() -> Select[tuple[str]]:
    """Every topic used by a public consultation, alphabetically (for the topic filter)."""
    return (
        select(ConsultationTopic.name)
        .join(Consultation, Consultation.id == ConsultationTopic.consultation_id)
        .where(PUBLIC)
        .distinct()
        .order_by(ConsultationTopic.name)
    )


def consultation_by_slug(slug: str) -> Select[tuple[Consultation]]:
    """One consultation (any status: the caller decides who may see a draft) with body, phases and topics."""
    return _with_listing_details(select(Consultation).where(Consultation.slug == slug)).options(
        selectinload(Consultation.phases)
    )


def consultation_by_id(consultation_id: int) -> Select[tuple[Consultation]]:
    return select(Consultation).where(Consultation.id == consultation_id).options(
        joinedload(Consultation.body), selectinload(Consultation.phases),
        selectinload(Consultation.topic_rows),
    )


def managed_consultations(user) -> Select[tuple[Consultation]]:
    """What this councillor may manage (admins: everything), drafts included, most recently changed first."""
    query = select(Consultation)
    if not user.is_admin:
        query = query.where(Consultation.body_id.in_(sorted(user.body_ids)))
    return _with_listing_details(query.order_by(Consultation.updated_at.desc(), Consultation.id.desc()))


def slug_taken(slug: str, except_id: int | None = None) -> Select[tuple[int]]:
    query = select(Consultation.id).where(Consultation.slug == slug)
    if except_id is not None:
        query = query.where(Consultation.id != except_id)
    return query


def managed_bodies(user) -> Select[tuple[Body]]:
    """The bodies this person may publish for (admins: all), for the body choice of the management forms."""
    query = select(Body).options(joinedload(Body.parent)).order_by(Body.name)
    if not user.is_admin:
        query = query.where(Body.id.in_(sorted(user.body_ids)))
    return query


def consultation_for_dashboard(slug: str) -> Select[tuple[Consultation]]:
    return (select(Consultation).join(Consultation.body).where(Consultation.slug == slug)
            .options(contains_eager(Consultation.body)))


def people_taking_part(people: Sequence[Select]) -> Select[tuple[int]]:
    """How many distinct people are in any of these selects of user ids (each feature's participants)."""
    if not people:
        return select(func.count()).where(False)
    return select(func.count()).select_from(union(*people).subquery())
