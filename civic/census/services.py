"""Census rules: loading a body's residents list (streamed, all or nothing, hashes only), verifying a person
against the lists, revoking a verification. Every function validates, changes, flushes and returns; the
caller commits once, so a list replaces the old one only when the whole of it is in."""
from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from codicefiscale import codicefiscale
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from civic.accounts.models import User
from civic.audit.services import record
from civic.bodies.models import Body
from civic.census import keys, queries
from civic.census.models import CensusEntry, CensusList, ListState, Method, Verification
from civic.database import db, utcnow
from civic.identity import subjects

BATCH = 5000
CODE_COLUMNS = ("codice_fiscale", "codicefiscale", "fiscal_code", "cf")
BIRTH_COLUMNS = ("data_nascita", "data_di_nascita", "birth_date", "date_of_birth")
MAX_LISTED_ERRORS = 10


class CensusError(Exception):
    """A rule refused the change; the message is translated and meant for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Loaded:
    census: CensusList
    rows: int  # rows read
    people: int  # distinct people kept


def _columns(header: list[str]) -> tuple[int, int | None, bool]:
    """(fiscal code column, birth date column or None, whether the first row is a header)."""
    names = [cell.strip().lower().replace(" ", "_") for cell in header]
    if keys.fiscal_code(header[0] if header else "") is not None:
        return 0, (1 if len(header) > 1 and keys.birth_date(header[1]) else None), False
    code = next((i for i, name in enumerate(names) if name in CODE_COLUMNS), None)
    if code is None:
        raise CensusError(_("The first row must name the columns (codice_fiscale and, if you have it, "
                            "data_nascita) or hold a first resident."))
    born = next((i for i, name in enumerate(names) if name in BIRTH_COLUMNS), None)
    return code, born, True


def _insert():
    return (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(CensusEntry.__table__)


def load(actor: User | None, body: Body, lines: Iterable[str], covers_parent: bool = False,
         allows_declared: bool = False) -> Loaded:
    """Read a residents list (CSV, comma or semicolon, with codice_fiscale and optionally data_nascita) row by
    row, keep each resident as keyed hashes in a new list and make it the body's list in place of the old one.
    A row with a wrong fiscal code or date refuses the whole list (CensusError naming its line numbers, never
    its content). Memory stays flat: rows go to the database a batch at a time."""
    key_id, key = keys.current()
    identity_key = keys.identity_key()
    census = CensusList(body_id=body.id, state=ListState.LOADING, key_id=key_id, covers_parent=covers_parent,
                        allows_declared=allows_declared, loaded_by_id=actor.id if actor else None)
    db.session.add(census)
    db.session.flush()
    statement = _insert().on_conflict_do_nothing()
    reader = _reader(lines)
    header = next(reader, None)
    if header is None:
        raise CensusError(_("The file is empty."))
    code_at, born_at, has_header = _columns(header)
    rows, bad, batch = 0, [], []
    residents = reader if has_header else itertools.chain([header], reader)
    for number, row in enumerate(residents, start=2 if has_header else 1):
        if not row or not any(cell.strip() for cell in row):
            continue
        rows += 1
        code = keys.fiscal_code(row[code_at]) if len(row) > code_at else None
        day = None
        if born_at is not None:
            day = keys.birth_date(row[born_at]) if len(row) > born_at else None
        if code is None or (born_at is not None and day is None):
            bad.append(number)
            continue
        subject = keys.subject_of(code, identity_key)
        batch.append({"list_id": census.id, "person": keys.person(key, subject),
                      "born": keys.born(key, subject, day) if day else None})
        if len(batch) >= BATCH:
            db.session.execute(statement, batch)
            batch = []
    if batch:
        db.session.execute(statement, batch)
    if bad:
        shown = ", ".join(str(number) for number in bad[:MAX_LISTED_ERRORS])
        raise CensusError(_("%(count)d rows hold no valid fiscal code or birth date (lines "
                            "%(lines)s%(more)s). Nothing was changed.", count=len(bad), lines=shown,
                            more=", …" if len(bad) > MAX_LISTED_ERRORS else ""))
    if rows == 0:
        raise CensusError(_("The file lists nobody. Nothing was changed."))
    census.people = db.session.scalar(select(func.count()).select_from(CensusEntry)
                                      .where(CensusEntry.list_id == census.id))
    census.with_birth_dates = born_at is not None
    old = db.session.scalar(queries.active_list(body.id))
    if old is not None:
        db.session.execute(delete(CensusEntry).where(CensusEntry.list_id == old.id))
        db.session.execute(delete(CensusList).where(CensusList.id == old.id))
        db.session.expunge(old)
    census.state = ListState.ACTIVE
    db.session.flush()
    record(actor, "census.load", census, f"{census.people} people, key {key_id}", body_id=body.id)
    return Loaded(census, rows, census.people)


def _reader(lines: Iterable[str]):
    """A CSV reader that takes a comma or a semicolon (Italian spreadsheets save with semicolons)."""
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        return iter(())
    delimiter = ";" if first.count(";") > first.count(",") else ","

    def chained():
        yield first
        yield from iterator
    return csv.reader(chained(), delimiter=delimiter)


def _renew(user: User, body_id: int, method: Method, level: int, now: dt.datetime) -> Verification:
    days = current_app.config["CIVIC_CENSUS_VERIFICATION_DAYS"]
    found = db.session.scalar(queries.verification(user.id, body_id))
    if found is None:
        found = Verification(user_id=user.id, body_id=body_id)
        db.session.add(found)
    elif found.revoked_at is not None and found.expires_at > now:
        return found  # revoked by an administrator: the person cannot undo it alone
    elif found.method is Method.IDENTITY and method is Method.DECLARED and found.valid(now):
        return found  # never lower a verification
    found.method, found.level, found.verified_at = method, level, now
    found.expires_at, found.revoked_at = now + dt.timedelta(days=days), None
    return found


def verify_by_identity(user: User, subject: str, level: int) -> list[Verification]:
    """Match a person signed in with SPID or CIE (`subject`, at `level`) with every body's list: each list
    holding them makes them a verified resident of its body (and of the body above it, when the list says
    so). Returns the verifications made or renewed; none when no list holds them."""
    now = utcnow()
    wanted = {}
    for key_id in db.session.scalars(queries.key_ids_in_use()):
        key = keys.by_id(key_id)
        if key is not None:
            wanted[key_id] = keys.person(key, subject)
    if not wanted:
        return []
    made = []
    for census in db.session.scalars(queries.lists_containing(wanted)).unique():
        for body_id in _bodies_of(census):
            verification = _renew(user, body_id, Method.IDENTITY, level, now)
            if verification.revoked_at is None:
                made.append(verification)
    db.session.flush()
    for verification in made:
        record(user, "census.verify", verification, f"identity level {level}", body_id=verification.body_id)
    return made


def _bodies_of(census: CensusList) -> list[int]:
    bodies = [census.body_id]
    if census.covers_parent and census.body.parent_id is not None:
        bodies.append(census.body.parent_id)
    return bodies


def verify_by_declaration(user: User, body: Body, fiscal_code: str, birth_date: dt.date) -> Verification:
    """The weaker check a body may allow: the fiscal code and the birth date typed in. The code's check
    character is tested (python-codicefiscale), the date must be the one it encodes, and the person must be
    on the body's list (with that date, when the list has birth dates). One message for every mismatch, so
    the form tells nobody whether someone else is a resident."""
    census = db.session.scalar(queries.active_list(body.id))
    if census is None or not census.allows_declared:
        raise CensusError(_("%(body)s does not verify residence this way.", body=body.name))
    code = "".join((fiscal_code or "").split()).upper()
    if len(code) != 16 or not codicefiscale.is_valid(code):
        raise CensusError(_("This is not a valid fiscal code: check it and try again."))
    mismatch = CensusError(_("We could not verify your residence with these data. Check them, or sign in "
                             "with SPID or CIE."))
    try:
        encoded = codicefiscale.decode(code)["birthdate"].date()
    except (ValueError, KeyError, TypeError) as error:
        raise mismatch from error
    if encoded != birth_date:
        raise mismatch
    key = keys.by_id(census.key_id)
    if key is None:
        raise mismatch
    subject = subjects.subject(code)
    found = db.session.scalar(queries.entry(census.id, keys.person(key, subject)))
    if found is None or (census.with_birth_dates and found.born != keys.born(key, subject, birth_date)):
        raise mismatch
    now = utcnow()
    verifications = [_renew(user, body_id, Method.DECLARED, 0, now) for body_id in _bodies_of(census)]
    db.session.flush()
    record(user, "census.verify", verifications[0], "declared", body_id=body.id)
    return verifications[0]


def revoke(actor: User, verification: Verification) -> Verification:
    """An administrator withdraws a verification; the person is no longer a verified resident of that body
    until it would have expired (verifying again does not undo it)."""
    if verification.revoked_at is not None:
        raise CensusError(_("This verification was already revoked."))
    verification.revoked_at = utcnow()
    db.session.flush()
    record(actor, "census.revoke", verification, "", body_id=verification.body_id)
    return verification
