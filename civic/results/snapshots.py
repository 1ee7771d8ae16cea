"""Results aggregates kept in the database, so the first view of a survey's results in a new process (after a
deploy or a restart) adds the responses since the snapshot to it instead of aggregating every answer again.

A snapshot is one row per survey: the aggregates (civic.results.report.Aggregates: counts per hour, option,
rank, value, month and question, nothing per response or person, never a written answer) of its responses up
to the highest id `upto`, and how many those were. It is used exactly like the per-process cache: when the
survey has the same number of responses and the same highest id, as it is; when responses were only added
(more responses, a higher id, and the snapshot's count plus the responses above `upto` make the new count),
plus the aggregates of the new ones; otherwise (a response deleted, one committed late below `upto`) every
response is aggregated again and a fresh snapshot written. Small groups are hidden when the page is built,
from these counts, as before.

It is written on a connection of its own (the page's transaction stays read-only), after a full aggregation
and whenever CIVIC_RESULTS_SNAPSHOT_EVERY responses were added since the last one; a write that fails (the
database busy) is skipped: the snapshot is an optimisation, never the source of a figure.
"""
from __future__ import annotations

import json
import logging

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from civic.database import db, utcnow
from civic.results.models import Snapshot

log = logging.getLogger(__name__)
FORMAT = 1
SQLITE_WAIT_MS = 200  # how long a snapshot waits for SQLite's write lock
SQLITE_BUSY_MS = 30000  # the pool's own setting (civic.database), put back
_ROWS = ("hours", "option_rows", "rank_rows", "value_rows", "month_rows")
_COUNTS = ("answered", "tangled_seen")


def encode(data) -> str:
    """The aggregates as JSON: lists of rows, and the per-question counts as [question id, count] pairs."""
    document = {"format": FORMAT, "verified": int(data.verified)}
    document.update({name: [list(row) for row in getattr(data, name)] for name in _ROWS})
    document.update({name: sorted([key, value] for key, value in getattr(data, name).items())
                     for name in _COUNTS})
    return json.dumps(document, separators=(",", ":"))


def decode(text: str) -> dict | None:
    """The fields of Aggregates from `encode`'s JSON; None for another format."""
    document = json.loads(text)
    if document.get("format") != FORMAT:
        return None
    fields = {name: [tuple(row) for row in document[name]] for name in _ROWS}
    fields.update({name: {int(key): int(value) for key, value in document[name]} for name in _COUNTS})
    # Snapshots written before responses said whether they came from verified residents: none did.
    fields["verified"] = int(document.get("verified", 0))
    return fields


def load(survey_id: int) -> Snapshot | None:
    """The survey's snapshot, one primary-key read."""
    return db.session.execute(select(Snapshot).where(Snapshot.survey_id == survey_id)).scalar_one_or_none()


def save(key: tuple, data) -> bool:
    """Store the aggregates under their fingerprint (survey id, survey created at, responses, highest id),
    replacing the survey's snapshot, in a transaction of its own. False when the write failed."""
    survey_id, created_at, responses, upto = key
    engine = db.engine
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    values = {"survey_id": survey_id, "survey_created_at": created_at, "responses": responses, "upto": upto,
              "figures": encode(data), "made_at": utcnow()}
    statement = dialect.insert(Snapshot).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Snapshot.survey_id],
        set_={name: statement.excluded[name] for name in values if name != "survey_id"})
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                # Never wait for the database's one writer (maybe this very request): skip instead.
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
            try:
                connection.execute(statement)
            finally:
                if engine.dialect.name == "sqlite":
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
    except SQLAlchemyError:  # the survey deleted meanwhile, the database busy: the next full count writes it
        log.info("results: snapshot of survey %s not written", survey_id, exc_info=True)
        return False
    return True
