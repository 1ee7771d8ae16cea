"""Reads about interest calls. Figures count live declarations only (withdrawn ones count nowhere) and are SQL
aggregates: the number of queries does not grow with the number of declarations."""
from __future__ import annotations

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from civic.accounts.models import User
from civic.bodies.models import Body
from civic.consultations.models import Consultation, ConsultationStatus
from civic.interest.models import Declaration, DeclarationNeed, InterestArea, InterestCall, Role

MANAGER_ROLES = (Role.MANAGER, Role.BOTH)
USER_ROLES = (Role.USER, Role.BOTH)


def _live(call_id: int):
    return and_(Declaration.call_id == call_id, Declaration.withdrawn_at.is_(None))


def _with_details(query: Select) -> Select:
    return query.options(
        joinedload(InterestCall.consultation).joinedload(Consultation.body).joinedload(Body.parent),
        selectinload(InterestCall.areas),
    )


def call_by_id(call_id: int) -> Select[tuple[InterestCall]]:
    """One call (whatever its consultation's status: the caller decides who may see it) with its areas."""
    return _with_details(select(InterestCall).where(InterestCall.id == call_id))


def public_calls() -> Select[tuple[InterestCall]]:
    """Calls of consultations that are not drafts, the latest to close first."""
    query = (select(InterestCall).join(InterestCall.consultation)
             .where(Consultation.status != ConsultationStatus.DRAFT)
             .order_by(InterestCall.closes_at.desc(), InterestCall.id.desc()))
    return _with_details(query)


def managed_calls(user) -> Select[tuple[InterestCall]]:
    """Calls of the bodies this councillor manages (admins: all), the latest to close first."""
    query = select(InterestCall).join(InterestCall.consultation)
    if not user.is_admin:
        query = query.where(Consultation.body_id.in_(sorted(user.body_ids)))
    return _with_details(query.order_by(InterestCall.closes_at.desc(), InterestCall.id.desc()))


def managed_consultations(user) -> Select[tuple[Consultation]]:
    """The consultations a call may be placed in by this councillor (admins: all), by title."""
    query = select(Consultation).options(joinedload(Consultation.body)).order_by(Consultation.title)
    if not user.is_admin:
        query = query.where(Consultation.body_id.in_(sorted(user.body_ids)))
    return query


def consultation_calls(consultation_id: int) -> Select[tuple[InterestCall, int]]:
    """The calls of a consultation, each with its number of live declarations (one query)."""
    live = (select(Declaration.call_id, func.count().label("declarations"))
            .where(Declaration.withdrawn_at.is_(None)).group_by(Declaration.call_id).subquery())
    return (select(InterestCall, func.coalesce(live.c.declarations, 0))
            .outerjoin(live, live.c.call_id == InterestCall.id)
            .where(InterestCall.consultation_id == consultation_id)
            .order_by(InterestCall.opens_at, InterestCall.id))


def own_declaration(call_id: int, user_id: int) -> Select[tuple[Declaration]]:
    """The person's declaration in the call, withdrawn or not, with its needs and area."""
    return (select(Declaration)
            .where(Declaration.call_id == call_id, Declaration.user_id == user_id)
            .options(selectinload(Declaration.needs), joinedload(Declaration.area)))


# --- figures ------------------------------------------------------------------------------------------------


def profile_by_role(call_id: int) -> Select:
    """(profile, role, declarations, days per week summed) for every pair that occurs."""
    days = func.coalesce(func.sum(Declaration.days_per_week), 0)
    return (select(Declaration.profile, Declaration.role, func.count(), days)
            .where(_live(call_id))
            .group_by(Declaration.profile, Declaration.role))


def count_by(call_id: int, column) -> Select:
    """(value of `column`, declarations) for every value that occurs: area, budget band, start horizon."""
    return select(column, func.count()).where(_live(call_id)).group_by(column)


def needs_ranking(call_id: int) -> Select:
    """(need, declarations naming it), the most named first."""
    count = func.count().label("declarations")
    return (select(DeclarationNeed.need, count)
            .join(Declaration, Declaration.id == DeclarationNeed.declaration_id)
            .where(_live(call_id))
            .group_by(DeclarationNeed.need)
            .order_by(count.desc(), DeclarationNeed.need))


def consenting_managers(call_id: int) -> Select[tuple[Declaration]]:
    """Live declarations of would-be managers who agreed to be contacted, with the person, by name. Nobody
    without that consent is ever in it."""
    return (select(Declaration)
            .join(User, User.id == Declaration.user_id)
            .where(_live(call_id), Declaration.role.in_(MANAGER_ROLES), Declaration.contact_consent.is_(True))
            .options(contains_eager(Declaration.user))
            .order_by(User.display_name, Declaration.id))


# --- a consultation's dashboard, and one person's records ---------------------------------------------------


def dashboard_declarations(consultation_id: int) -> Select:
    """(call, live declarations, future users, possible managers, consenting managers) per call of the
    consultation; withdrawn declarations count nowhere."""
    live = Declaration.withdrawn_at.is_(None)
    users = func.sum(case((and_(live, Declaration.role.in_(USER_ROLES)), 1), else_=0))
    managers = func.sum(case((and_(live, Declaration.role.in_(MANAGER_ROLES)), 1), else_=0))
    consenting = func.sum(case((and_(live, Declaration.role.in_(MANAGER_ROLES),
                                     Declaration.contact_consent.is_(True)), 1), else_=0))
    tally = (select(Declaration.call_id, func.sum(case((live, 1), else_=0)).label("live"),
                    users.label("users"), managers.label("managers"), consenting.label("consenting"))
             .group_by(Declaration.call_id).subquery())
    return (select(InterestCall, *(func.coalesce(c, 0) for c in (tally.c.live, tally.c.users,
                                                                tally.c.managers, tally.c.consenting)))
            .outerjoin(tally, tally.c.call_id == InterestCall.id)
            .where(InterestCall.consultation_id == consultation_id).order_by(InterestCall.opens_at))


def declarants(consultation_id: int) -> Select:
    """The people with a live declaration in a call of the consultation, for its participants."""
    return (select(Declaration.user_id).join(InterestCall, InterestCall.id == Declaration.call_id)
            .where(InterestCall.consultation_id == consultation_id, Declaration.withdrawn_at.is_(None)))


def declarations_of(user_id: int) -> Select:
    """The person's declarations of interest with the call's title and the chosen area."""
    return (select(Declaration.id, InterestCall.title.label("call"), Declaration.role, Declaration.profile,
                   Declaration.sector, Declaration.days_per_week, InterestArea.name.label("area"),
                   Declaration.budget, Declaration.horizon, Declaration.manager_experience,
                   Declaration.manager_offer, Declaration.notes, Declaration.contact_consent,
                   Declaration.created_at, Declaration.updated_at, Declaration.withdrawn_at)
            .join(InterestCall, InterestCall.id == Declaration.call_id)
            .outerjoin(InterestArea, InterestArea.id == Declaration.area_id)
            .where(Declaration.user_id == user_id)
            .order_by(Declaration.created_at, Declaration.id))


def declaration_needs_of(user_id: int) -> Select:
    """(declaration id, need) of every declaration of the person."""
    return (select(DeclarationNeed.declaration_id, DeclarationNeed.need)
            .join(Declaration, Declaration.id == DeclarationNeed.declaration_id)
            .where(Declaration.user_id == user_id)
            .order_by(DeclarationNeed.declaration_id, DeclarationNeed.need))
