"""Public pages kept, rendered, for visitors who are not logged in, until the data behind them changes.

A page marked `@public_page` is rendered once per worker process and per (language, address), then served from
memory to every anonymous visitor. What makes it safe:

- Only anonymous GETs with nothing personal in the session: no logged-in person, no flash message waiting, no
  remember-me cookie. The language is part of the key.
- A page whose rendering put a CSRF token in it, touched the session or set a cookie is never kept: another
  visitor would get someone else's token.
- Every committed write to a table a public page can show moves a shared *generation* on (a file's timestamp
  in the instance folder on one machine, a Redis value when CIVIC_REDIS_URL is set, for several machines),
  and a kept page is only served for the generation it was rendered at. The write is seen at the SQL level, so
  ORM changes, bulk inserts and raw statements all count; the generation moves when the connection goes back
  to the pool, after the commit, so a page rendered from data older than the generation cannot be kept under
  it.
- The generation never goes back: each move makes it at least the clock's time (in nanoseconds for the file,
  microseconds in Redis), so a Redis restarted empty, or from an older snapshot, starts above every generation
  a page was kept under; a process that sees a lower one than it saw before puts it back above.
- While the generation's store does not answer, pages are rendered for everyone (nothing is kept or served
  from memory), and a move that could not be made is made as soon as the store answers again.
- A kept page carries its ETag (a hash of it) and Last-Modified (when it was rendered) and `Cache-Control:
  public, no-cache`, so browsers and proxies ask again each time and get a 304 while it has not changed.
- A kept page is dropped after CIVIC_PAGE_CACHE_SECONDS anyway, for what changes with the clock alone (a
  consultation closing at midnight). 0 turns the cache off.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import time

import redis
from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from sqlalchemy import event

from civic.core import features, metrics
from civic.core.lru import LRU
from civic.database import db

log = logging.getLogger(__name__)

# The platform's tables no anonymous page shows: writing them (a log-in, a queued e-mail, an audit line) keeps
# the pages. Features add theirs (civic.core.features.Feature.private_tables).
PRIVATE_TABLES = frozenset({"auth_sessions", "password_reset_tokens", "audit_log", "outbox_messages",
                            "alembic_version", "security_events", "sign_in_throttles", "rate_limit_counters"})
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_READ_ONLY = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "SHOW", "SET ", "EXPLAIN")
_DATA_CHANGED = "civic_public_write"  # in a pooled connection's info: a public table was written
_COMMITTED = "civic_public_commit"  # ... and committed: move the generation on when it is checked in
MAX_BODY = 1024 * 1024
REDIS_KEY = "civic:page-generation"


def writes_public_data(statement: str, private: frozenset[str] = PRIVATE_TABLES) -> bool:
    """Whether an SQL statement may change what a public page shows (when in doubt, yes): not when it only
    writes one of the `private` tables."""
    head = statement.lstrip()[:12].upper()
    if head.startswith(_READ_ONLY):
        return False
    if head.startswith("WITH"):
        return bool(re.search(r"\b(INSERT|UPDATE|DELETE)\b", statement, re.IGNORECASE))
    written = _WRITE.match(statement)
    return not (written and written.group(1).lower() in private)


class FileGeneration:
    """The generation as a file's modification time in nanoseconds: one stat per page, shared by every process
    of one machine."""

    def __init__(self, path: str):
        self.path = path

    def current(self) -> int:
        try:
            return os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            self.bump()
            return os.stat(self.path).st_mtime_ns

    def bump(self) -> None:
        now = time.time_ns()
        try:
            before = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            with open(self.path, "a"):
                before = -1
        os.utime(self.path, ns=(now, max(now, before + 1)))


def _now_us() -> int:
    return time.time_ns() // 1000


class GenerationUnavailable(Exception):
    """The generation's store did not answer (recently): serve without the cache."""


class RedisGeneration:
    """The generation in Redis, shared by every machine serving the site: max(previous + 1, the clock in
    microseconds) at each move, so it never goes back even when Redis restarts empty. After a failure it is
    not asked again for a second (pages are rendered meanwhile); a move that failed is made when Redis
    answers."""

    # One round trip each, atomic in Redis. The clock comes as a string: Lua prints a large number as 1e+15.
    _MOVE = ("local v = redis.call('INCR', KEYS[1]) "
             "if v < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1] end return v")
    _RAISE = ("local v = tonumber(redis.call('GET', KEYS[1]) or '0') "
              "if v < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1] end "
              "return redis.call('GET', KEYS[1])")
    PAUSE = 1.0

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._move = self.client.register_script(self._MOVE)
        self._raise = self.client.register_script(self._RAISE)
        self.highest = 0  # the highest generation this process has seen
        self.move_owed = False
        self._paused_until = 0.0

    def current(self) -> int:
        if self.move_owed:
            self.bump()  # first the move a failure left owed, or no kept page is served
        value = self._ask(lambda: self.client.get(REDIS_KEY))
        if value is None or int(value) < self.highest:
            # Missing (Redis restarted empty) or lower than seen (restored from an older snapshot).
            value = self._ask(lambda: self._raise(keys=[REDIS_KEY], args=[self._floor()]))
        return self._seen(int(value))

    def bump(self) -> None:
        try:
            value = self._ask(lambda: self._move(keys=[REDIS_KEY], args=[self._floor()]))
        except GenerationUnavailable:
            self.move_owed = True
            raise
        self.move_owed = False
        self._seen(int(value))

    def _floor(self) -> str:
        """The least the generation may be now: above what this process saw, and not below the clock."""
        return str(max(self.highest + 1, _now_us()))

    def _seen(self, value: int) -> int:
        self.highest = max(self.highest, value)
        return value

    def _ask(self, command):
        if time.monotonic() < self._paused_until:
            raise GenerationUnavailable
        try:
            answer = command()
        except redis.RedisError as error:
            if not self._paused_until:
                log.warning("page cache: Redis does not answer (%s); pages are rendered for everyone "
                            "until it does", type(error).__name__)
            self._paused_until = time.monotonic() + self.PAUSE
            raise GenerationUnavailable from error
        if self._paused_until:
            log.info("page cache: Redis answers again")
            self._paused_until = 0.0
        return answer


class PageCache:
    """Kept pages and values by key, with the time each was made, and the generation store they depend on."""

    def __init__(self, generation, entries: int):
        self.generation = generation
        self.kept = LRU(entries)

    def get(self, key, max_age: float):
        found = self.kept.get(key)
        if found is not None and time.monotonic() - found[0] > max_age:
            self.kept.discard(key)
            return None
        return found

    def put(self, key, value, content_type: str | None = None) -> None:
        self.kept.put(key, (time.monotonic(), value, content_type))

    def clear(self) -> None:
        self.kept.clear()


class Lazy:
    """An object made the first time a template touches it. A form's CSRF token goes into the visitor's
    session as soon as the form is made, so a form that only some visitors see (the log-out button, the
    comment box) is handed to templates this way: the pages of the others stay free of tokens, cookies, and
    can be kept."""

    def __init__(self, make):
        self._make = make
        self._made = None

    def _get(self):
        if self._made is None:
            self._made = self._make()
        return self._made

    def __getattr__(self, name):
        return getattr(self._get(), name)

    def __getitem__(self, name):
        return self._get()[name]

    def __iter__(self):
        return iter(self._get())


def _cache() -> PageCache | None:
    return current_app.extensions.get("civic_page_cache")


def _anonymous() -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies:
        return False
    return "_user_id" not in session and "_flashes" not in session


def public_page(view):
    """Serve this view's page from memory to anonymous visitors while the data has not changed."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache = _cache()
        seconds = float(current_app.config["CIVIC_PAGE_CACHE_SECONDS"] or 0)
        if cache is None or seconds <= 0 or not _anonymous():
            return view(*args, **kwargs)
        try:
            generation = cache.generation.current()
        except Exception:  # the shared store is down (the store logs it): serve fresh pages rather than fail
            log.debug("page cache: no generation; serving uncached", exc_info=True)
            metrics.count_page_cache("bypass")
            return view(*args, **kwargs)
        key = (generation, str(get_locale()), request.full_path)
        found = cache.get(key, seconds)
        if found is not None:
            metrics.count_page_cache("hit")
            _created, (body, etag, made), content_type = found
            response = current_app.response_class(body, status=200, content_type=content_type)
            return _conditional(response, etag, made)
        metrics.count_page_cache("miss")
        response = current_app.make_response(view(*args, **kwargs))
        if (response.status_code == 200 and not response.direct_passthrough and not response.is_streamed
                and "Set-Cookie" not in response.headers and not session.modified
                and "csrf_token" not in g):
            body = response.get_data()
            if len(body) <= MAX_BODY:
                etag, made = hashlib.blake2b(body, digest_size=16).hexdigest(), time.time()
                cache.put(key, (body, etag, made), response.content_type)
                return _conditional(response, etag, made)
        return response

    return wrapper


def _conditional(response, etag: str, made: float):
    """A kept page as HTTP caches should see it: validators (its content's hash, the time it was rendered)
    and `no-cache` (browsers and proxies may keep it, but ask again each time: a 304 when it has not changed,
    as the data behind it can change any moment), answering a conditional request with 304."""
    response.set_etag(etag)
    response.last_modified = int(made)
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)


def remembered(name: str, compute):
    """A small public value that several pages compute (a filter's choices), kept in this process under the
    same rules as the pages: until the data changes or the seconds run out. Logged-in people benefit too."""
    cache = _cache()
    seconds = float(current_app.config["CIVIC_PAGE_CACHE_SECONDS"] or 0) if cache is not None else 0
    if seconds <= 0:
        return compute()
    try:
        key = ("value", cache.generation.current(), name)
    except Exception:  # the shared store is down (the store logs it)
        log.debug("page cache: no generation; computing %s", name, exc_info=True)
        return compute()
    found = cache.get(key, seconds)
    if found is not None:
        return found[1]
    value = compute()
    cache.put(key, value)
    return value


def data_changed(app: Flask) -> None:
    """Move the generation on for a change made outside the app's engine (a restore by pg_restore), so no
    process serves a page kept from before it."""
    cache = app.extensions.get("civic_page_cache")
    if cache is None:
        return
    try:
        cache.generation.bump()
    except GenerationUnavailable:
        log.warning("page cache: kept pages may show the data of before for up to %s seconds",
                    app.config["CIVIC_PAGE_CACHE_SECONDS"])


def _note_commit(conn) -> None:
    if conn.info.pop(_DATA_CHANGED, False):
        conn.info[_COMMITTED] = True


def _note_rollback(conn) -> None:
    conn.info.pop(_DATA_CHANGED, None)


def init_app(app: Flask) -> None:
    if float(app.config["CIVIC_PAGE_CACHE_SECONDS"] or 0) <= 0:
        return
    redis_url = app.config["CIVIC_REDIS_URL"]
    generation = RedisGeneration(redis_url) if redis_url else FileGeneration(
        os.path.join(app.instance_path, "page-generation"))
    app.extensions["civic_page_cache"] = PageCache(generation, int(app.config["CIVIC_PAGE_CACHE_ENTRIES"]))

    with app.app_context():
        engine = db.engine

    def moved_on(dbapi_connection, record) -> None:
        if record is None:
            return
        record.info.pop(_DATA_CHANGED, None)  # written but neither committed nor rolled back: reset on return
        if record.info.pop(_COMMITTED, False):
            try:
                generation.bump()
            except GenerationUnavailable:
                pass  # logged by the store, and made when it answers again
            except Exception:  # after a commit nothing may fail the request that made it
                log.warning("page cache: could not move the generation on", exc_info=True)

    private = PRIVATE_TABLES | frozenset(features.each("private_tables", app))

    def note_write(conn, cursor, statement, parameters, context, executemany) -> None:
        if writes_public_data(statement, private):
            conn.info[_DATA_CHANGED] = True

    event.listen(engine, "after_cursor_execute", note_write)
    event.listen(engine, "commit", _note_commit)
    event.listen(engine, "rollback", _note_rollback)
    event.listen(engine.pool, "checkin", moved_on)
