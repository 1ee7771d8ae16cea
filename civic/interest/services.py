"""Rules of interest calls and declarations. Every function validates, changes, flushes and returns; the view
commits once."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.audit.services import record
from civic.census import eligibility
from civic.census.eligibility import Audience
from civic.consultations.models import Consultation
from civic.database import db
from civic.interest.models import (
    Budget,
    Declaration,
    DeclarationNeed,
    Horizon,
    InterestArea,
    InterestCall,
    Need,
    Profile,
    Role,
)


class InterestError(Exception):
    """A rule refused the change; the message is translated and meant for the person who asked."""


@dataclass
class DeclarationData:
    role: str
    profile: str
    budget: str
    horizon: str
    days_per_week: int = 0
    sector: str = ""
    needs: list[str] = field(default_factory=list)
    area_id: int | None = None
    manager_experience: str = ""
    manager_offer: str = ""
    notes: str = ""
    contact_consent: bool = False


@dataclass
class CallData:
    title: str
    description: str
    asks_for: str
    areas: list[str]
    opens_at: dt.datetime
    closes_at: dt.datetime
    audience: str = "confirmed"  # who may declare (civic.census.eligibility)
    audience_level: int = 2


# --- declarations -------------------------------------------------------------------------------------------


def check_can_change(call: InterestCall, now: dt.datetime) -> None:
    """Refuse with a clear message unless declarations of this call can be made or changed now."""
    if call.is_open(now):
        return
    if call.has_closed(now):
        raise InterestError(_("This call closed on %(when)s: declarations can no longer be made, changed or "
                              "withdrawn.", when=format_datetime(call.closes_at, "medium")))
    if now < call.opens_at:
        raise InterestError(_("This call opens on %(when)s: come back then to declare your interest.",
                              when=format_datetime(call.opens_at, "medium")))
    raise InterestError(_("This call is not taking declarations."))


def save_declaration(call: InterestCall, user: User, data: DeclarationData, now: dt.datetime) -> Declaration:
    """Create the user's declaration for the call, or change it (renewing a withdrawn one). One per person per
    call: a second submission, even a simultaneous one, updates the same row."""
    check_can_change(call, now)
    try:
        eligibility.require(call.rule, user)
    except eligibility.NotEligible as error:
        raise InterestError(error.message) from error
    role = Role(data.role)
    if role not in call.roles():
        raise InterestError(_("This call does not ask for that role."))
    if data.area_id is not None and data.area_id not in {area.id for area in call.areas}:
        raise InterestError(_("Choose an area from the list."))
    if not 0 <= data.days_per_week <= 7:
        raise InterestError(_("Choose a number of days from 0 to 7."))
    declaration = _own(call.id, user.id)
    taking_part = declaration is None or declaration.is_withdrawn
    if taking_part and not eligibility.claim_voice("interest", call.id, user):
        # One person, one voice: another account of the same person (or this one, a moment ago) declared.
        declaration = _own(call.id, user.id)
        if declaration is None or declaration.is_withdrawn:
            raise InterestError(_("You have already declared your interest in this call."))
    if declaration is None:
        declaration = Declaration(call_id=call.id, user_id=user.id, created_at=now)
        _apply(declaration, role, data, now)
        try:
            with db.session.begin_nested():
                db.session.add(declaration)
                db.session.flush()
            return declaration
        except IntegrityError:
            # The same person's other request won the race: change the row it created.
            declaration = _own(call.id, user.id)
            if declaration is None:
                raise
    _apply(declaration, role, data, now)
    db.session.flush()
    return declaration


def _own(call_id: int, user_id: int) -> Declaration | None:
    return db.session.scalar(
        select(Declaration).where(Declaration.call_id == call_id, Declaration.user_id == user_id)
    )


def _apply(declaration: Declaration, role: Role, data: DeclarationData, now: dt.datetime) -> None:
    manager = role in (Role.MANAGER, Role.BOTH)
    declaration.role = role
    declaration.profile = Profile(data.profile)
    declaration.sector = data.sector.strip()[:120]
    declaration.days_per_week = data.days_per_week
    declaration.area_id = data.area_id
    declaration.budget = Budget(data.budget)
    declaration.horizon = Horizon(data.horizon)
    # What a would-be manager writes is kept only for managers (the database refuses it otherwise).
    declaration.manager_experience = data.manager_experience.strip() if manager else ""
    declaration.manager_offer = data.manager_offer.strip() if manager else ""
    declaration.notes = data.notes.strip()
    declaration.contact_consent = bool(data.contact_consent)
    declaration.withdrawn_at = None
    declaration.updated_at = now
    wanted = {Need(value) for value in data.needs}
    declaration.needs = [row for row in declaration.needs if row.need in wanted] + [
        DeclarationNeed(need=need) for need in Need
        if need in wanted - {row.need for row in declaration.needs}
    ]


def withdraw_declaration(call: InterestCall, user: User, now: dt.datetime) -> Declaration:
    """Withdraw the user's declaration: it leaves every figure and the list of contacts (consent ends too)."""
    check_can_change(call, now)
    declaration = _own(call.id, user.id)
    if declaration is None or declaration.is_withdrawn:
        raise InterestError(_("You have no declaration to withdraw in this call."))
    declaration.withdrawn_at = now
    declaration.updated_at = now
    declaration.contact_consent = False
    eligibility.release_voice("interest", call.id, user)  # the person may declare again later
    db.session.flush()
    return declaration


# --- calls --------------------------------------------------------------------------------------------------


def create_call(actor: User, consultation: Consultation, data: CallData) -> InterestCall:
    call = InterestCall(consultation=consultation)
    _apply_call(call, data)
    db.session.add(call)
    _set_areas(call, data.areas)
    db.session.flush()
    record(actor, "interest.call.create", call, call.title, body_id=consultation.body_id)
    return call


def update_call(actor: User, call: InterestCall, consultation: Consultation, data: CallData) -> InterestCall:
    if consultation.id != call.consultation_id and _declaration_count(call) > 0:
        raise InterestError(_("This call already has declarations: it cannot move to another consultation."))
    call.consultation = consultation
    _apply_call(call, data)
    _set_areas(call, data.areas)
    db.session.flush()
    record(actor, "interest.call.update", call, call.title, body_id=consultation.body_id)
    return call


def _apply_call(call: InterestCall, data: CallData) -> None:
    if data.closes_at <= data.opens_at:
        raise InterestError(_("The call must close after it opens."))
    call.title = data.title.strip()
    call.description = data.description.strip()
    call.asks_for = Role(data.asks_for)
    call.opens_at = data.opens_at
    call.closes_at = data.closes_at
    call.audience, call.audience_level = Audience(data.audience), int(data.audience_level)


def _set_areas(call: InterestCall, names: list[str]) -> None:
    """Keep the areas still listed (so declarations keep pointing at them), add new ones, drop the others
    unless a declaration chose them."""
    by_name = {area.name.casefold(): area for area in call.areas}
    kept = [by_name.pop(name.casefold(), None) or InterestArea(name=name) for name in names]
    if by_name:
        removed = list(by_name.values())
        used = set(db.session.scalars(
            select(Declaration.area_id).where(Declaration.area_id.in_([a.id for a in removed if a.id]))
        )) if any(a.id for a in removed) else set()
        blocked = [area.name for area in removed if area.id in used]
        if blocked:
            raise InterestError(_("These areas were chosen in declarations and cannot be removed: %(names)s.",
                                  names=", ".join(blocked)))
    for position, (area, name) in enumerate(zip(kept, names, strict=True)):
        area.name = name
        area.position = position
    call.areas = kept


def _declaration_count(call: InterestCall) -> int:
    return db.session.scalar(select(func.count()).where(Declaration.call_id == call.id)) or 0


def open_call(actor: User, call: InterestCall, now: dt.datetime) -> None:
    """Start taking declarations now (the closing time stays)."""
    if call.opens_at <= now < call.closes_at:
        raise InterestError(_("The call is already open."))
    if call.closes_at <= now:
        raise InterestError(_("The closing time has passed: set a later one first (Edit)."))
    call.opens_at = now
    db.session.flush()
    record(actor, "interest.call.open", call, call.title, body_id=call.body_id)


def close_call(actor: User, call: InterestCall, now: dt.datetime) -> None:
    """Stop taking declarations now."""
    if not call.opens_at <= now < call.closes_at:
        raise InterestError(_("Only an open call can be closed."))
    call.closes_at = now
    db.session.flush()
    record(actor, "interest.call.close", call, call.title, body_id=call.body_id)
