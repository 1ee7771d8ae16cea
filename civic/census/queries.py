"""Reads about residents lists and verifications."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, func, or_, select

from civic.bodies.models import Body
from civic.census.models import CensusEntry, CensusList, ListState, Verification


def active_list(body_id: int) -> Select:
    """The body's residents list in use (at most one)."""
    return select(CensusList).where(CensusList.body_id == body_id, CensusList.state == ListState.ACTIVE)


def active_lists() -> Select:
    """Every body's list in use, with its body."""
    return select(CensusList).where(CensusList.state == ListState.ACTIVE).order_by(CensusList.body_id)


def lists_containing(persons_by_key: dict[str, str]) -> Select:
    """The active lists holding a person, given the person's entry under each key id in use: one query."""
    clauses = [(CensusList.key_id == key_id) & (CensusEntry.person == person)
               for key_id, person in persons_by_key.items()]
    return (select(CensusList).join(CensusEntry, CensusEntry.list_id == CensusList.id)
            .where(CensusList.state == ListState.ACTIVE, or_(*clauses)))


def entry(list_id: int, person: str) -> Select:
    return select(CensusEntry).where(CensusEntry.list_id == list_id, CensusEntry.person == person)


def key_ids_in_use() -> Select:
    return select(CensusList.key_id).where(CensusList.state == ListState.ACTIVE).distinct()


def verification(user_id: int, body_id: int) -> Select:
    return select(Verification).where(Verification.user_id == user_id, Verification.body_id == body_id)


def valid_verification(user_id: int, body_id: int, now: dt.datetime) -> Select:
    """The account's verification for the body, when it is neither expired nor revoked."""
    return select(Verification).where(Verification.user_id == user_id, Verification.body_id == body_id,
                                      Verification.revoked_at.is_(None), Verification.expires_at > now)


def is_verified(user_id: int, body_id: int, now: dt.datetime):
    """Whether the account has a valid verification for the body, as an EXISTS to read beside other facts."""
    return valid_verification(user_id, body_id, now).with_only_columns(Verification.id).exists()


def verified_until(user_id: int, body_id: int, now: dt.datetime):
    """When the account's valid verifications for the body end (the latest), or NULL when it has none, as a
    column to read beside other facts: a value kept for a while tells whether they are still a resident."""
    return valid_verification(user_id, body_id, now).with_only_columns(
        func.max(Verification.expires_at)).scalar_subquery()


def verifications_of(user_id: int) -> Select:
    """An account's verifications, as "download my data" lists them."""
    return (select(Body.name.label("body"), Verification.method, Verification.level,
                   Verification.verified_at, Verification.expires_at, Verification.revoked_at)
            .join(Body, Body.id == Verification.body_id)
            .where(Verification.user_id == user_id).order_by(Verification.verified_at))


def verifications_for_admin(body_id: int | None = None) -> Select:
    """Verifications with the account's name, newest first, for the administration page."""
    query = (select(Verification)
             .order_by(Verification.verified_at.desc(), Verification.id.desc()))
    if body_id is not None:
        query = query.where(Verification.body_id == body_id)
    return query


def verified_people(now: dt.datetime) -> Select:
    """How many valid verifications there are, per body id."""
    return (select(Verification.body_id, func.count())
            .where(Verification.revoked_at.is_(None), Verification.expires_at > now)
            .group_by(Verification.body_id))
