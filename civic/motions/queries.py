"""Reads about motions. Public reads never return drafts; lists load everything they show in a fixed number of
queries (aggregates in SQL, related rows with joinedload/selectinload)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, and_, extract, func, literal_column, or_, select, union
from sqlalchemy.orm import joinedload, selectinload, with_expression

from civic.accounts.models import Councillorship, User
from civic.bodies.models import Body
from civic.comments.queries import visible_count
from civic.consultations.models import Consultation
from civic.core.search import like_pattern
from civic.database import db
from civic.motions.models import (
    Motion,
    MotionStatus,
    MotionSupport,
    MotionTopic,
    search_document,
)

PUBLIC = Motion.status != MotionStatus.DRAFT


def supports_count():
    return (
        select(func.count(MotionSupport.id)).where(MotionSupport.motion_id == Motion.id).scalar_subquery()
    )


def comments_count():
    """Visible comments and replies."""
    return visible_count("motion", Motion.id)


def _listing(query: Select) -> Select:
    return query.options(
        joinedload(Motion.body).joinedload(Body.parent),
        joinedload(Motion.consultation),
        selectinload(Motion.topic_rows),
        selectinload(Motion.proposers),
        with_expression(Motion.supports_count, supports_count()),
        with_expression(Motion.comments_count, comments_count()),
    )


def _matching(text: str):
    """Full-text search on PostgreSQL (Italian stemming, GIN index); an escaped LIKE elsewhere."""
    if db.session.get_bind().dialect.name == "postgresql":
        return search_document(Motion.title, Motion.text).bool_op("@@")(
            func.websearch_to_tsquery(literal_column("'italian'"), text)
        )
    pattern = like_pattern(text)
    return or_(Motion.title.ilike(pattern, escape="\\"), Motion.text.ilike(pattern, escape="\\"))


def public_filters(*, text: str | None = None, body_id: int | None = None, status: str | None = None,
                   topic: str | None = None, year: int | None = None,
                   consultation_id: int | None = None) -> list:
    """The WHERE clauses selecting the public motions a visitor's filters and search ask for."""
    clauses = [PUBLIC]
    if text and text.strip():
        clauses.append(_matching(text.strip()))
    if body_id:
        clauses.append(Motion.body_id == body_id)
    if status:
        clauses.append(Motion.status == MotionStatus(status))
    if topic:
        clauses.append(Motion.id.in_(select(MotionTopic.motion_id).where(MotionTopic.name == topic)))
    if year:
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        # The year a motion belongs to: when it was filed, or when it was voted if the filing date is unknown.
        clauses.append(or_(Motion.filed_on.between(first, last),
                           and_(Motion.filed_on.is_(None), Motion.voted_on.between(first, last))))
    if consultation_id:
        clauses.append(Motion.consultation_id == consultation_id)
    return clauses


def public_motions(clauses: list) -> Select[tuple[Motion]]:
    """Public motions, most recent first (the order ix_motions_listing_order keeps), supports and comments
    counted in SQL for the page's rows only."""
    return _listing(select(Motion).where(*clauses).order_by(
        func.coalesce(Motion.filed_on, Motion.voted_on).desc(), Motion.id.desc()))


def count_motions(clauses: list) -> Select[tuple[int]]:
    return select(func.count(Motion.id)).where(*clauses)


def recent_motions(limit: int) -> Select[tuple[Motion]]:
    """The latest public motions, for the home page."""
    query = select(Motion).where(PUBLIC).order_by(Motion.published_at.desc(), Motion.id.desc())
    return _listing(query.limit(limit))


def public_years() -> Select[tuple[int]]:
    """The years that have public motions, newest first (for the year filter)."""
    filed = select(extract("year", Motion.filed_on).label("year")).where(PUBLIC, Motion.filed_on.is_not(None))
    voted = select(extract("year", Motion.voted_on).label("year")).where(
        PUBLIC, Motion.filed_on.is_(None), Motion.voted_on.is_not(None)
    )
    years = union(filed, voted).subquery()
    return select(years.c.year).order_by(years.c.year.desc())


def public_topics() -> Select[tuple[str]]:
    return (
        select(MotionTopic.name)
        .join(Motion, Motion.id == MotionTopic.motion_id)
        .where(PUBLIC)
        .distinct()
        .order_by(MotionTopic.name)
    )


def motion_by_id(motion_id: int) -> Select[tuple[Motion]]:
    """One motion (any status: the caller decides who may see a draft) with everything its page shows."""
    return select(Motion).where(Motion.id == motion_id).options(
        joinedload(Motion.body).joinedload(Body.parent),
        joinedload(Motion.consultation),
        selectinload(Motion.topic_rows),
        selectinload(Motion.proposers),
        selectinload(Motion.roll_call),
        selectinload(Motion.milestones),
        with_expression(Motion.supports_count, supports_count()),
        with_expression(Motion.comments_count, comments_count()),
    )


def supported_by(motion_id: int, user_id: int) -> Select[tuple[int]]:
    return select(MotionSupport.id).where(MotionSupport.motion_id == motion_id,
                                          MotionSupport.user_id == user_id)


def consultation_motions(consultation_id: int, limit: int) -> Select[tuple[Motion]]:
    """The public motions of a consultation for its page (milestones loaded for the timeline)."""
    query = select(Motion).where(PUBLIC, Motion.consultation_id == consultation_id)
    query = query.order_by(func.coalesce(Motion.filed_on, Motion.voted_on), Motion.id).limit(limit)
    return _listing(query).options(selectinload(Motion.milestones))


def count_consultation_motions(consultation_id: int) -> Select[tuple[int]]:
    return select(func.count(Motion.id)).where(PUBLIC, Motion.consultation_id == consultation_id)


def managed_motions(user) -> Select[tuple[Motion]]:
    """What this councillor may manage (admins: everything), drafts included, most recently changed first."""
    query = select(Motion)
    if not user.is_admin:
        query = query.where(Motion.body_id.in_(sorted(user.body_ids)))
    return query.options(joinedload(Motion.body)).order_by(Motion.updated_at.desc(), Motion.id.desc())


def councillors_of(body_ids) -> Select[tuple[User, int]]:
    """(councillor, body id) pairs for these bodies, by name (the proposer choices of the motion form)."""
    return (
        select(User, Councillorship.body_id)
        .join(Councillorship, Councillorship.user_id == User.id)
        .where(Councillorship.body_id.in_(sorted(body_ids)), User.is_active_account.is_(True))
        .order_by(User.display_name, User.id)
    )


def consultations_of(body_ids) -> Select[tuple[Consultation]]:
    """The consultations a motion of these bodies may belong to."""
    return (
        select(Consultation)
        .where(Consultation.body_id.in_(sorted(body_ids)))
        .order_by(Consultation.title)
    )



# --- a consultation's dashboard, and one person's records ---------------------------------------------------


def dashboard_supports(consultation_id: int) -> Select:
    """(motion, supports) for the consultation's motions, most supported first."""
    counts = (select(MotionSupport.motion_id, func.count().label("supports"))
              .group_by(MotionSupport.motion_id).subquery())
    return (select(Motion, func.coalesce(counts.c.supports, 0))
            .outerjoin(counts, counts.c.motion_id == Motion.id)
            .where(Motion.consultation_id == consultation_id)
            .order_by(func.coalesce(counts.c.supports, 0).desc(), Motion.id))


def supporters(consultation_id: int) -> Select:
    """The people who support a motion of the consultation (for its participants, counted once)."""
    return (select(MotionSupport.user_id).join(Motion, Motion.id == MotionSupport.motion_id)
            .where(Motion.consultation_id == consultation_id))


def supports_of(user_id: int) -> Select:
    """The motions the person supports."""
    return (select(Motion.id.label("motion_id"), Motion.title, MotionSupport.created_at)
            .join(Motion, Motion.id == MotionSupport.motion_id)
            .where(MotionSupport.user_id == user_id)
            .order_by(MotionSupport.created_at, MotionSupport.id))
