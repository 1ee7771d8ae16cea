"""Demo residents lists: the demo identity provider's fictional people (civic/identity/demo_idp/residents.py)
who live in Novi Ligure, with valid check characters, so a newcomer can sign in as one and be verified."""
from __future__ import annotations

from collections.abc import Callable

from civic.census import queries, services
from civic.database import db
from civic.identity.demo_idp.residents import RESIDENTS

# Giulia and Anna live in Novi Ligure; Marco lives in Genova and is on no list.
NOVI_RESIDENTS = ("giulia", "anna")


def rows() -> list[str]:
    lines = ["codice_fiscale,data_nascita"]
    lines += [f"{r.fiscal_code},{r.date_of_birth}" for r in RESIDENTS if r.key in NOVI_RESIDENTS]
    return [line + "\n" for line in lines]


def load(context: dict, echo: Callable[[str], None] = print) -> dict:
    """Novi Ligure's residents list, when it has none yet."""
    body = context["bodies"].get("novi")
    if body is None:
        return {}
    if db.session.scalar(queries.active_list(body.id)) is None:
        services.load(None, body, rows(), allows_declared=True)
        echo(f"  census: {len(NOVI_RESIDENTS)} fictional residents of {body.name}")
    db.session.commit()
    return {"novi": body}
