"""The SQLAlchemy declarative base, the `db` object and column types shared by every feature."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import enum

from flask_sqlalchemy import SQLAlchemy
from psycopg.pq import TransactionStatus
from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

UTC = dt.UTC

# Stable constraint names so migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp: stored in UTC, always returned aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a timezone-aware column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    # Flask-SQLAlchemy subclasses the base, so the annotation map must live on an explicit registry.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


db = SQLAlchemy(model_class=Base)


def str_enum(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """An enum column stored as its lower-case value in a VARCHAR with a CHECK constraint, the same on
    SQLite and PostgreSQL (no native PostgreSQL ENUM types to migrate)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
        name=enum_class.__name__.lower(),
    )


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC. Pass the function itself as a column default."""
    return dt.datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers work while a writer commits; busy_timeout makes writers queue instead of failing.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# --- reads outside a transaction (PostgreSQL) -------------------------------------------------------------
#
# A request that only reads needs no transaction on PostgreSQL: at its READ COMMITTED level each statement
# sees what was committed when it began, in a transaction or not, so BEGIN and ROLLBACK are two round trips
# for nothing. A signed-in person's kept page reads a few rows at most (who they are, their slots' values): in
# `reads_alone()` the request's connection is in autocommit until the block ends, and a statement that would
# write or lock rows there is refused before it runs (no write may escape the transaction it should be in).

READS_ALONE = "civic_reads_alone"  # in a pooled connection's info: put in autocommit by reads_alone()
_switched: contextvars.ContextVar[list | None] = contextvars.ContextVar(READS_ALONE, default=None)
_LOCKING = (" FOR UPDATE", " FOR SHARE", " FOR NO KEY UPDATE", " FOR KEY SHARE", "ADVISORY")


class WriteOutsideTransaction(RuntimeError):
    """A statement that writes or locks rows was sent inside `reads_alone()`."""


@contextlib.contextmanager
def reads_alone():
    """Statements of the block that begin the request's use of the database run on PostgreSQL without a
    transaction (no BEGIN, no ROLLBACK): for a block that only reads. When the request has already sent a
    statement, or on SQLite (whose driver opens no transaction for a read), nothing changes."""
    if _switched.get() is not None:  # inside another such block: that one decides, and ends it
        yield
        return
    switched: list = []
    token = _switched.set(switched)
    session = db.session()
    if session.in_transaction():  # a connection taken, perhaps with nothing sent on it yet
        _switch(session.connection(), switched)
    try:
        yield
    finally:
        _switched.reset(token)
        for raw, info in switched:
            _back_in_transactions(raw, info)


@contextlib.contextmanager
def statement_alone(connection):
    """One statement that is the whole of a write (PostgreSQL's writable common table expressions: a survey
    answer), run on its own: with nothing sent yet on the connection, it is its own transaction, without
    BEGIN and COMMIT round trips, and the commit's listeners (the page cache's generations) hear of it as
    soon as it succeeds. Yields whether it runs alone (else in the request's transaction, as before): a
    transaction-scoped lock it takes is then gone when it ends."""
    raw = _untouched(connection)
    if raw is None:
        yield False
        return
    raw.autocommit = True
    try:
        yield True
        connection.dispatch.commit(connection)  # committed: as a commit of the request would tell
    finally:
        _leave_autocommit(raw)


def _after_begin(session, transaction, connection) -> None:
    """The session took a connection for its transaction: in `reads_alone()` it goes in autocommit."""
    switched = _switched.get()
    if switched is not None:
        _switch(connection, switched)


def _untouched(connection):
    """The psycopg connection under a PostgreSQL connection with nothing sent in its transaction yet (and
    not in autocommit already); None otherwise."""
    if connection.dialect.name != "postgresql":
        return None
    raw = connection.connection.dbapi_connection
    if raw is None or raw.autocommit or raw.info.transaction_status != TransactionStatus.IDLE:
        return None
    return raw


def _switch(connection, switched: list) -> None:
    """The connection in autocommit, if PostgreSQL's and nothing was sent on it in this transaction."""
    raw = _untouched(connection)
    if raw is None:
        return
    raw.autocommit = True
    connection.info[READS_ALONE] = True
    switched.append((raw, connection.info))


def _back_in_transactions(raw, info) -> None:
    if info.pop(READS_ALONE, False):  # else already given back (the pool took the connection back)
        _leave_autocommit(raw)


def _leave_autocommit(raw) -> None:
    try:
        raw.autocommit = False
    except Exception:  # a broken connection: the pool finds it so and opens another
        pass


def _refuse_writes(conn, cursor, statement, parameters, context, executemany) -> None:
    if not conn.info.get(READS_ALONE):
        return
    head = statement.lstrip()[:6].upper()
    upper = statement.upper()
    if head != "SELECT" or any(word in upper for word in _LOCKING):
        raise WriteOutsideTransaction(f"a statement that writes or locks rows inside reads_alone(): {head}")


def _given_back(raw, record) -> None:
    """A connection back in the pool leaves autocommit, whatever happened in the request."""
    if record is not None and record.info.get(READS_ALONE):
        _back_in_transactions(raw, record.info)


def init_app(app) -> None:
    """Let `reads_alone()` work on the app's engine (PostgreSQL only)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    if not event.contains(Session, "after_begin", _after_begin):
        event.listen(Session, "after_begin", _after_begin)
    event.listen(engine, "before_cursor_execute", _refuse_writes)
    event.listen(engine.pool, "checkin", _given_back)
