"""Census verification: residents lists, verified residents, and who may take part in what."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from civic.census import demo, eligibility, personal_data
from civic.census.cli import census_cli
from civic.census.models import Verification
from civic.census.views import allow_large_lists, bp
from civic.core.features import Feature, Link, Metric, PersonalRecords, PersonFact
from civic.database import db, utcnow


def _setup(app: Flask) -> None:
    app.jinja_env.globals["eligibility_statement"] = eligibility.statement
    app.jinja_env.globals["eligibility_refusal"] = eligibility.refusal_message
    # First of all before_request functions: CSRF protection reads the form, so the larger limit of a list
    # upload must be in place before it.
    app.before_request_funcs.setdefault(None, []).insert(0, allow_large_lists)


def _verified() -> float:
    return float(db.session.scalar(select(func.count()).select_from(Verification).where(
        Verification.revoked_at.is_(None), Verification.expires_at > utcnow())) or 0)


feature = Feature(
    name="census",
    blueprint=bp,
    admin=[Link("census.admin", _l("Residents lists"))],
    personal_data=[PersonalRecords(
        "census_verifications", _l("Verified residence"),
        _l("The bodies whose resident Civic verified you to be, how (SPID or CIE, or the typed-in check) and "
           "until when. Civic never keeps your fiscal code, only keyed hashes of it."),
        personal_data.count, personal_data.rows,
        _l("Your verifications are deleted."))],
    private_tables=frozenset({"census_lists", "census_entries", "census_verifications", "census_voices"}),
    # Kept with each signed-in citizen for the rules (civic/accounts/people.py): their identity, residence;
    # read with who they are, in the same statement, unless they hold a valid verification.
    person_facts=[PersonFact("residence", eligibility.residence_facts, eligibility.residence_columns,
                             eligibility.residence_from_columns)],
    person_tables=frozenset({"census_verifications", "identities"}),
    metrics=[Metric("civic_census_verified_people", "Valid residence verifications (all bodies).",
                    _verified)],
    commands=[census_cli],
    demo=demo.load,
    setup=_setup,
)
