"""What an outage of the database or of Redis looks like from inside a request, and what keeps it short: the
errors that mean "the store does not answer" (answered 503 with Retry-After by civic/core/errors.py), and a
connect timeout, so a database host that stopped answering costs a request seconds, not a hung worker."""
from __future__ import annotations

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


def init_app(app: Flask) -> None:
    with app.app_context():
        event.listen(db.engine, "do_connect", _connect_timeout)
