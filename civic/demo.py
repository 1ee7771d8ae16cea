"""Demo data drawn from the two real stories in the seeds (Genova 2013, Novi Ligure 2015): the bodies and
demo accounts here, then each installed feature's demo in the features' order (civic/core/features.py), each
given what the ones before made. Idempotent: every step looks for what it would create first."""
from __future__ import annotations

import secrets
from collections.abc import Callable

from civic.accounts import services as account_services
from civic.accounts.models import User
from civic.bodies.models import Body
from civic.bodies.services import ensure_body
from civic.core import features
from civic.database import db


def _ensure_account(email: str, name: str, echo: Callable[[str], None], body: Body | None = None,
                    admin: bool = False) -> User:
    user = account_services.find_by_email(email)
    if user is not None:
        return user
    password = secrets.token_urlsafe(12)
    user = account_services.create_user(email, name, password)
    if admin:
        account_services.set_admin(None, user, True)
    if body is not None:
        account_services.grant_councillor(None, user, body)
    echo(f"demo account {email:<36} password (shown once): {password}")
    return user


def load(echo: Callable[[str], None] = print) -> dict:
    """Load every feature's demo data in order; returns what was made, for the features after."""
    genova = ensure_body("comune-di-genova", "Comune di Genova", website="https://smart.comune.genova.it")
    levante = ensure_body("municipio-ix-levante", "Municipio IX Levante", parent=genova)
    novi = ensure_body("comune-di-novi-ligure", "Comune di Novi Ligure", website="https://www.comune.noviligure.al.it")
    accounts_before = db.session.scalar(db.select(db.func.count(User.id)))
    people = {
        "admin": _ensure_account("admin@civic.example", "Amministrazione Civic", echo, admin=True),
        "levante": _ensure_account("consigliere.levante@civic.example", "Consigliere Municipio Levante", echo,
                                   body=levante),
        "genova": _ensure_account("consigliere.genova@civic.example", "Consigliere Comune di Genova", echo,
                                  body=genova),
        "novi": _ensure_account("consigliere.novi@civic.example", "Consigliere Novi Ligure", echo, body=novi),
        "citizen": _ensure_account("cittadina@civic.example", "Giulia Rossi", echo),
    }
    if db.session.scalar(db.select(db.func.count(User.id))) == accounts_before:
        echo("demo accounts already exist (their passwords were printed when they were created; "
             "`flask --app civic users create` makes new ones)")
    db.session.commit()
    context = {"bodies": {"genova": genova, "levante": levante, "novi": novi}, "people": people}
    for feature in features.installed():
        if feature.demo is not None:
            context[feature.name] = feature.demo(context, echo)
    return context
