"""Factories for test data. Call them inside an app context; each commits what it makes."""
from __future__ import annotations

import itertools

from civic.accounts import passwords
from civic.accounts.models import Councillorship, User
from civic.bodies.models import Body
from civic.database import db, utcnow

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _password_hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = passwords.hash_password(password)
    return _hash_cache[password]


def make_body(slug: str | None = None, name: str | None = None, parent: Body | None = None) -> Body:
    n = next(_sequence)
    body = Body(slug=slug or f"body-{n}", name=name or f"Comune {n}", parent=parent)
    db.session.add(body)
    db.session.commit()
    return body


def make_user(
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    confirmed: bool = True,
    admin: bool = False,
    councillor_of: Body | None = None,
) -> User:
    n = next(_sequence)
    now = utcnow()
    user = User(
        email=(email or f"person{n}@example.org").lower(),
        display_name=name or f"Person {n}",
        password_hash=_password_hash(password),
        privacy_accepted_at=now,
        email_confirmed_at=now if confirmed else None,
        is_admin=admin,
    )
    db.session.add(user)
    db.session.flush()
    if councillor_of is not None:
        db.session.add(Councillorship(user_id=user.id, body_id=councillor_of.id))
    db.session.commit()
    return user
