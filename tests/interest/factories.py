"""Interest calls and declarations for tests. Call inside an app context; each factory commits what it
makes."""
from __future__ import annotations

import datetime as dt
import itertools
import random

from sqlalchemy import insert, select

from civic.accounts.models import User
from civic.database import db, utcnow
from civic.interest.demo import generate_declarations
from civic.interest.models import (
    Budget,
    Declaration,
    DeclarationNeed,
    Horizon,
    InterestArea,
    InterestCall,
    Profile,
    Role,
)
from tests.consultations.factories import make_consultation
from tests.factories import _password_hash, make_body, make_user

_sequence = itertools.count(1)
AREAS = ("Centro storico", "Stazione", "Biblioteca Civica")


def make_call(consultation=None, body=None, areas=AREAS, asks_for: Role = Role.BOTH,
              opens_at: dt.datetime | None = None, closes_at: dt.datetime | None = None,
              title: str | None = None) -> InterestCall:
    """An open call (from yesterday to in a month) in a published consultation, unless told otherwise."""
    if consultation is None:
        consultation = make_consultation(body or make_body())
    now = utcnow()
    call = InterestCall(
        consultation=consultation, title=title or f"Coworking {next(_sequence)}",
        description="Uno **spazio**.", asks_for=asks_for, opens_at=opens_at or now - dt.timedelta(days=1),
        closes_at=closes_at or now + dt.timedelta(days=30),
        areas=[InterestArea(name=name, position=n) for n, name in enumerate(areas)],
    )
    db.session.add(call)
    db.session.commit()
    return call


def make_declaration(call, user=None, role: Role = Role.USER, profile: Profile = Profile.FREELANCE,
                     needs=(), area=None, days_per_week: int = 3, budget: Budget = Budget.FROM_50_TO_100,
                     horizon: Horizon = Horizon.NOW, contact_consent: bool = False, withdrawn: bool = False,
                     **fields) -> Declaration:
    user = user or make_user()
    manager = role in (Role.MANAGER, Role.BOTH)
    declaration = Declaration(
        call_id=call.id, user_id=user.id, role=role, profile=profile, days_per_week=days_per_week,
        area_id=area.id if area is not None else None, budget=budget, horizon=horizon,
        manager_experience=fields.pop("manager_experience", "Ho gestito uno spazio." if manager else ""),
        contact_consent=contact_consent, withdrawn_at=utcnow() if withdrawn else None, **fields,
    )
    declaration.needs = [DeclarationNeed(need=need) for need in needs]
    db.session.add(declaration)
    db.session.commit()
    return declaration


def make_people(count: int, prefix: str = "declarant") -> list[int]:
    """`count` confirmed citizens in one insert, with unique names and addresses; returns their ids."""
    now = utcnow()
    start = next(_sequence) * 100000
    emails = [f"{prefix}{start + n}@example.org" for n in range(count)]
    db.session.execute(insert(User), [
        {"email": email, "display_name": f"Persona {prefix} {start + n}",
         "password_hash": _password_hash("x" * 12),
         "privacy_accepted_at": now, "email_confirmed_at": now, "password_changed_at": now, "created_at": now,
         "is_admin": False, "is_active_account": True}
        for n, email in enumerate(emails)
    ])
    ids = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
    return [ids[email] for email in emails]


def generate(call, count: int, seed: int = 1, withdrawn: int = 0) -> list[Declaration]:
    """`count` plausible declarations by new people (the demo's generator), `withdrawn` of them withdrawn."""
    declarations = generate_declarations(call, make_people(count), random.Random(seed), utcnow(), withdrawn)
    db.session.commit()
    return declarations
