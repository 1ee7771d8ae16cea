"""What an outage of the database or of Redis looks like from inside a request, and what keeps it short: the
errors that mean "the store does not answer" (answered 503 with Retry-After by civic/core/errors.py), a
connect timeout, so a database host that stopped answering costs a request seconds, not a hung worker, and
the test of a pooled connection before it is used again (`_ping_when_idle`)."""
from __future__ import annotations

import time

import redis.exceptions
from flask import Flask
from sqlalchemy import event
from sqlalchemy import exc as sa

from civic.database import db

# A PostgreSQL host that drops packets would otherwise keep a worker waiting for minutes.
CONNECT_TIMEOUT_SECONDS = 5

UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa.OperationalError,  # refused, closed, reset, "database is locked", admin shutdown
    sa.InterfaceError,  # the driver's connection is already closed
    sa.DisconnectionError,
    sa.TimeoutError,  # no connection free in the pool in time
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def is_unavailable(error: BaseException | None) -> bool:
    """Whether `error` (or the error it wraps, for Flask's InternalServerError) says a store is down."""
    for _depth in range(5):  # an error wrapping an error: a short chain, never a cycle
        if error is None:
            return False
        if isinstance(error, UNAVAILABLE):
            return True
        error = getattr(error, "original_exception", None) or error.__cause__
    return False


def which(error: BaseException) -> str:
    """"database" or "redis", for logs and metrics."""
    return "redis" if isinstance(error, redis.exceptions.RedisError) else "database"


def _connect_timeout(dialect, _record, _cargs, cparams) -> None:
    if dialect.name == "postgresql":
        cparams.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)


_IDLE_SINCE = "civic_idle_since"  # in a pooled connection's info: when it last went back to the pool


def _ping_when_idle(engine, seconds: float) -> None:
    """A pooled connection that has been idle for more than `seconds` is pinged before it is used, and
    replaced when the database does not answer it; one that came back to the pool more recently is used as
    it is. SQLAlchemy's pool_pre_ping instead pays a round trip before every request (a tenth of a
    millisecond of CPU, and a statement for the database, on each of them), where a busy worker's connection
    was in use a moment ago. A database restarted within those seconds fails the one request that meets a
    dead connection with the 503 above, and SQLAlchemy then drops every connection opened before it."""

    def back(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    def out(dbapi_connection, record, _proxy) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is not None and time.monotonic() - since < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool retries with a new connection (and fails when none opens)
            raise sa.DisconnectionError("the pooled connection did not answer") from error

    event.listen(engine, "checkin", back)
    event.listen(engine, "checkout", out)


def init_app(app: Flask) -> None:
    with app.app_context():
        event.listen(db.engine, "do_connect", _connect_timeout)
        seconds = float(app.config["CIVIC_DATABASE_PING_AFTER_SECONDS"])
        if db.engine.dialect.name != "sqlite" and not db.engine.pool._pre_ping:
            _ping_when_idle(db.engine, seconds)
