"""Rate-limit counters every server process shares (ASVS 11.1.4).

Flask-Limiter keeps its counters in Redis when CIVIC_REDIS_URL is set. Without Redis they are kept in the
database, in `rate_limit_counters`, through DatabaseStorage below: several gunicorn workers (or machines) then
share one budget instead of each granting the whole of it. Each hit is one atomic statement (an INSERT ... ON
CONFLICT DO UPDATE ... RETURNING, the same on SQLite and PostgreSQL) on a connection of its own from the pool,
committed at once, whatever the request then does; the rate-limit headers of the response read what that
statement returned, not the table again. Every store keeps fixed windows (a count, and the end of the window
that began with the first hit). When the database does not answer, the limits go on in each process's memory
(Flask-Limiter's fallback) until it does.

A page answered from the page cache (civic.core.pagecache: an anonymous GET whose page is kept) costs no
statement at all: the default limit counts it in this process's memory instead of the shared store, so a
client reading kept pages gets at most the default budget from each worker. Everything that reaches the
database (a page rendered, every POST, sign-in and the other named limits, the per-target throttles) is
still counted in the shared store.
"""
from __future__ import annotations

import hashlib
import logging
import random
import time

from flask import Flask, abort, current_app, g, has_app_context, request
from limits import parse_many
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Float, Integer, String, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from civic.core import pagecache
from civic.database import db
from civic.extensions import client_key, limiter

log = logging.getLogger(__name__)

SCHEME = "civic-db"
# One hit in this many also deletes the counters whose window is over.
PURGE_ONE_IN = 200


class RateLimitCounter(db.Model):
    """One rate-limit counter: how many hits in the window that ends at `expires_at` (seconds since 1970)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


_INCREMENT = text(
    "INSERT INTO rate_limit_counters (key, hits, expires_at) VALUES (:key, :amount, :now + :expiry) "
    "ON CONFLICT (key) DO UPDATE SET "
    "hits = CASE WHEN rate_limit_counters.expires_at <= :now THEN :amount "
    "ELSE rate_limit_counters.hits + :amount END, "
    "expires_at = CASE WHEN rate_limit_counters.expires_at <= :now THEN :now + :expiry "
    "ELSE rate_limit_counters.expires_at END "
    "RETURNING hits, expires_at"
)
_SEEN = "_civic_rate_counters"  # in flask.g: key -> (hits, expires_at) this request's own hits returned


class DatabaseStorage(Storage):
    """A `limits` storage in the database of the application at hand (URI "civic-db://"): the limiter object
    is shared by every app made in one process (tests make several), so it asks for the current app's engine
    each time rather than keeping one."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def engine(self):
        return db.engine

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as connection:
            hits, expires_at = connection.execute(_INCREMENT, {
                "key": _short(key), "amount": amount, "now": now, "expiry": float(expiry)}).one()
            if random.randrange(PURGE_ONE_IN) == 0:
                connection.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < now))
        if has_app_context():
            g.setdefault(_SEEN, {})[key] = (hits, expires_at)
        return hits

    def _row(self, key: str):
        """(hits, expires_at): what this request's own hit returned (the headers ask right after it), else
        the table's row."""
        seen = g.get(_SEEN) if has_app_context() else None
        if seen and key in seen:
            hits, expires_at = seen[key]
            return RateLimitCounter(hits=hits, expires_at=expires_at)
        with self.engine.connect() as connection:
            return connection.execute(
                select(RateLimitCounter.hits, RateLimitCounter.expires_at)
                .where(RateLimitCounter.key == _short(key))).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.hits if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row is not None and row.expires_at > time.time() else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        if not has_app_context():
            return None
        try:
            with self.engine.begin() as connection:
                return connection.execute(delete(RateLimitCounter)).rowcount
        except SQLAlchemyError:  # a database not migrated yet has no counters to forget
            return None

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(RateLimitCounter).where(RateLimitCounter.key == _short(key)))


def allow(purpose: str, subject: str, limits: str) -> bool:
    """Count one more action of `purpose` on `subject` (a keyed hash, never an address) against `limits`
    ("3 per hour;10 per day"), in the same store as the other limits; False, counting nothing more, when one
    of them is spent. Per-target limits (ASVS 2.2.1): e-mails to one address, whoever asks."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    items = parse_many(limits)
    strategy = limiter.limiter  # the memory fallback while the store is known to be down
    try:
        if not all(strategy.test(item, "target", purpose, subject) for item in items):
            return False
        return all([strategy.hit(item, "target", purpose, subject) for item in items])
    except Exception as error:  # the store stopped answering just now: the per-client limits still hold
        log.warning("rate limits: per-target counter unavailable (%s); allowed", type(error).__name__)
        return True


def _short(key: str) -> str:
    """Keys longer than the column (a long endpoint name) keep their start and a hash of the whole."""
    if len(key) <= 250:
        return key
    return key[:180] + "#" + hashlib.sha256(key.encode()).hexdigest()


def configure(config: dict) -> None:
    """Where Flask-Limiter keeps its counters: Redis when CIVIC_REDIS_URL is set, else the database, unless
    RATELIMIT_STORAGE_URI was set otherwise (instance/config.py may choose "memory://" for one process)."""
    config.setdefault("RATELIMIT_DEFAULTS_EXEMPT_WHEN", _served_kept)
    if config.get("RATELIMIT_STORAGE_URI") not in (None, "", SCHEME + "://"):
        return
    config["RATELIMIT_STORAGE_URI"] = SCHEME + "://"


def init_app(app: Flask) -> None:
    """No default limit for the health checks and metrics: load balancers, supervisors and Prometheus call
    them often from one address. Kept pages count against the default limit in this process's memory."""
    for endpoint in ("core.healthz", "core.readyz", "core.show_metrics"):
        view = app.view_functions.get(endpoint)
        if view is not None:
            limiter.exempt(view)
    app.before_request(_count_kept_page)
    app.after_request(_kept_page_headers)


# --- kept pages: the default limit in this process's memory -------------------------------------------------

_local = FixedWindowRateLimiter(MemoryStorage())
_KEPT = "_civic_kept_page_limit"  # in flask.g: (limit, window) for the headers


def _served_kept() -> bool:
    """The default limit's exemption from the shared store: a request the page cache answers."""
    return pagecache.kept_page_hit()


def _count_kept_page():
    """Runs after the limiter's check: a kept page's hit on the default limit, counted in memory, per
    client and page as the shared default limit is; 429 once this process's budget is spent."""
    if not current_app.config["RATELIMIT_ENABLED"] or not pagecache.kept_page_hit():
        return None
    defaults = current_app.config.get("RATELIMIT_DEFAULT")
    if not defaults:
        return None
    who, where = client_key(), request.endpoint or ""
    shown = None
    for item in parse_many(defaults):
        allowed = _local.hit(item, "kept", who, where)
        if shown is None or not allowed:
            shown = (item, _local.get_window_stats(item, "kept", who, where))
        if not allowed:
            setattr(g, _KEPT, shown)
            abort(429)
    setattr(g, _KEPT, shown)
    return None


def _kept_page_headers(response):
    shown = g.pop(_KEPT, None)
    if shown is not None and current_app.config.get("RATELIMIT_HEADERS_ENABLED"):
        item, window = shown
        response.headers.setdefault("X-RateLimit-Limit", str(item.amount))
        response.headers.setdefault("X-RateLimit-Remaining", str(window.remaining))
        response.headers.setdefault("X-RateLimit-Reset", str(int(window.reset_time + 1)))
    return response
