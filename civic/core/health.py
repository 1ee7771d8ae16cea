"""Readiness: whether this server can serve, check by check, for /readyz, `flask check` and the metrics.

Each check says ok or not and a few plain facts, never an error's text (it may name hosts or users). The
database, the migrations and the checks the app adds (the outbox's backlog) are required: one failing makes
/readyz answer 503, so load balancers send people elsewhere. Redis is reported but not required: without it
rate limits fall back to each process's memory and pages are rendered afresh, so the site still works."""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import redis as redis_client
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from civic.database import db

log = logging.getLogger(__name__)
EXTENSION = "civic_readiness"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: its name, whether it passed, whether /readyz needs it, and plain facts."""

    name: str
    ok: bool
    required: bool = True
    facts: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"status": "ok" if self.ok else "failed", "required": self.required, **self.facts}


def database() -> Check:
    """The database answers a query."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.debug("readiness: the database does not answer", exc_info=True)
        return Check("database", False, facts={"dialect": db.engine.dialect.name, "error": "unavailable"})
    return Check("database", True, facts={"dialect": db.engine.dialect.name})


@functools.cache
def _heads(directory: str) -> tuple[str, ...]:
    return tuple(sorted(ScriptDirectory(directory).get_heads()))


def migration_heads() -> tuple[str, ...]:
    """The revisions the code's migrations end at."""
    return _heads(current_app.extensions["migrate"].directory)


def migrations() -> Check:
    """The database's schema is at the code's migration head (`flask --app civic db upgrade` was run)."""
    head = migration_heads()
    try:
        with db.engine.connect() as connection:
            # Read directly: Alembic's MigrationContext would log two lines at every probe.
            current = ()
            if inspect(connection).has_table("alembic_version"):
                current = tuple(sorted(connection.execute(text("SELECT version_num FROM alembic_version"))
                                       .scalars()))
    except SQLAlchemyError:
        log.debug("readiness: the migration state cannot be read", exc_info=True)
        return Check("migrations", False, facts={"head": list(head), "error": "unavailable"})
    return Check("migrations", current == head, facts={"current": list(current), "head": list(head)})


def redis(url: str | None = None) -> Check:
    """Redis (CIVIC_REDIS_URL) answers a PING; not required, see the module's description."""
    url = url or current_app.config["CIVIC_REDIS_URL"]
    client = redis_client.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis_client.RedisError:
        return Check("redis", False, required=False, facts={"error": "unavailable"})
    finally:
        client.close()
    return Check("redis", True, required=False)


def readiness(app: Flask) -> list[Check]:
    """Every check, in order: database, migrations, Redis when configured, then those the app added. The
    later ones need the database, so they are skipped (failed) while it does not answer."""
    checks = [database()]
    if not checks[0].ok:
        checks.append(Check("migrations", False, facts={"error": "database unavailable"}))
    else:
        checks.append(migrations())
    if app.config.get("CIVIC_REDIS_URL"):
        checks.append(redis())
    for name, check in app.extensions.get(EXTENSION, ()):
        if not checks[0].ok:
            checks.append(Check(name, False, facts={"error": "database unavailable"}))
            continue
        try:
            checks.append(check())
        except SQLAlchemyError:
            checks.append(Check(name, False, facts={"error": "unavailable"}))
    return checks


def init_app(app: Flask, checks: Sequence[tuple[str, Callable[[], Check]]] = ()) -> None:
    """Add the app's own required checks, each (name, function returning a Check)."""
    app.extensions[EXTENSION] = tuple(checks)
