"""Public pages kept, rendered, for visitors who are not logged in, until the data behind them changes.

A page marked `@public_page` is rendered once per worker process and per (language, address), then served from
memory to every anonymous visitor. What makes it safe:

- Only anonymous GETs with nothing personal in the session: no logged-in person, no flash message waiting, no
  remember-me cookie. The language is part of the key.
- A page whose rendering put a CSRF token in it, touched the session or set a cookie is never kept: another
  visitor would get someone else's token.
- Every committed write to a table a public page can show moves *generations* on (files' timestamps in the
  instance folder on one machine, Redis values when CIVIC_REDIS_URL is set, for several machines), and a kept
  page is only served for the generations it was rendered at. There are three kinds: "all", which every such
  write moves; "base", which every write moves unless it is *announced*; and one per object or list
  ("survey:42", "meeting:7", "motions"). A write is announced when the transaction names, with `changes()`,
  the objects and lists it changes, and writes only tables its feature declares keyed (`keyed_tables`: an
  answer, an RSVP, a support); it then moves "all" and the named ones only. A page that declares what it
  shows (`@public_page(keys=...)`) depends on "base" and those keys, so an answer to survey A leaves survey
  B's page and the motion list kept; a page that declares nothing depends on "all", as before. The writes
  are seen at the SQL level, so ORM changes, bulk inserts and raw statements all count: a raw statement, or
  any write nobody announced, moves "base" and "all", which makes every kept page stale. The generations move
  when the connection goes back to the pool, after the commit, so a page rendered from data older than them
  cannot be kept under them.
- A generation never goes back: each move makes it at least the clock's time (in nanoseconds for the files,
  microseconds in Redis), so a Redis restarted empty, or from an older snapshot, starts above every generation
  a page was kept under; a process that sees a missing one, or a lower one than it saw before, puts it back
  above.
- While the generations' store does not answer, pages are rendered for everyone (nothing is kept or served
  from memory), and a move that could not be made is made as soon as the store answers again.
- A kept page carries its ETag (a hash of it) and Last-Modified (when it was rendered) and `Cache-Control:
  public, no-cache`, so browsers and proxies ask again each time and get a 304 while it has not changed.
- A signed-in citizen on a page declared `personal=True` gets the same kept page with its slots (the parts
  that differ per person: the account menu, their support, their registration, the forms with their CSRF
  token) rendered for them (civic/core/slots.py); a page not kept yet is rendered for them as for an anonymous
  visitor (the person set aside), kept under the same rules, then completed. Councillors, administrators, a
  message waiting, a session changed by the request, or CIVIC_PERSONAL_SLOTS off: the page is rendered whole.
  What is rendered for a person is never kept. A page may ask first, in one cheap read, whether this person's
  page is the shared one with slots (`personal=` a function: the survey page, whole for one who answered);
  its shared render is then kept apart from the anonymous visitors' page.
- On that path the signed-in person is who the process knows them as (civic/accounts/people.py): the user,
  their roles and the counts of their account menu, kept per process under the "people" generation, which
  every committed write to a table they come from moves (the accounts' tables, and those features declare
  in `person_tables`: notifications, follows, identities, verifications). A role granted or taken away, a
  sign-out anywhere, a new notification: the next page reads the person again. The processes share whom
  they read, under the same generation, on a shelf beside the generations (civic/core/shelf.py), sealed
  with the person's own login session (civic/accounts/sealed.py). A page rendered whole gets the person
  read afresh.
- A render that read something of the visitor's other than the session (a browser's own cookie) says so
  (`not_kept`) and is not kept.
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
from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event

from civic.core import features, metrics, slots
from civic.core.lru import LRU
from civic.core.shelf import FileShelf, RedisShelf
from civic.database import db, reads_alone

log = logging.getLogger(__name__)

# The platform's tables no anonymous page shows: writing them (a log-in, a queued e-mail, an audit line) keeps
# the pages. Features add theirs (civic.core.features.Feature.private_tables).
PRIVATE_TABLES = frozenset({"auth_sessions", "password_reset_tokens", "audit_log", "outbox_messages",
                            "alembic_version", "security_events", "sign_in_throttles", "rate_limit_counters"})
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_READ_ONLY = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "SHOW", "SET ", "EXPLAIN")
_WRITTEN = "civic_public_write"  # in a pooled connection's info: the public tables written (None: unknown)
_ANNOUNCED = "civic_page_keys"  # ... the objects and lists the transaction said it changes
_COMMITTED = "civic_public_commit"  # ... the generations to move on when it is checked in
_PERSON_WRITE = "civic_person_write"  # ... a table a kept person comes from was written (see PERSON_TABLES)
MAX_BODY = 1024 * 1024
REDIS_KEY = "civic:page-generation"  # "base"'s; the others are REDIS_KEY + ":" + name
ALL, BASE = "all", "base"
# The generation of what each process knows of the signed-in people (civic/accounts/people.py): moved by
# every committed write to these tables, and to those features add (Feature.person_tables), or to a table
# a statement does not let us tell.
PEOPLE = "people"
PERSON_TABLES = frozenset({"users", "auth_sessions", "councillorships"})
# A new account or login session (a sign-up, every log-in) changes nobody a process knows already.
_NEW_PEOPLE_ONLY = frozenset({"users", "auth_sessions"})
SHELF_SECONDS = 3600  # the longest a value shared by the processes lasts (civic.core.shelf)
_NAME = re.compile(r"[a-z_]+(?::[0-9]+)?\Z")


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


def written_table(statement: str) -> str | None:
    """The table an INSERT, UPDATE or DELETE writes; None for any other statement."""
    written = _WRITE.match(statement)
    return written.group(1).lower() if written else None


_WRITES = re.compile(r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


def written_tables(statement: str, private: frozenset[str] = PRIVATE_TABLES) -> set[str | None]:
    """The public tables a writing statement writes: one, or for a WITH whose parts write (PostgreSQL's
    writable common table expressions), each table its parts write, the `private` ones left out; {None}
    when it cannot tell (every kept page then goes stale). A word after UPDATE that is no table (ON CONFLICT
    DO UPDATE SET) counts as an unknown table: stale pages, never kept ones."""
    if statement.lstrip()[:4].upper() != "WITH":
        return {written_table(statement)}
    found = {name.lower() for name in _WRITES.findall(statement)}
    return (found - private) if found else {None}


class FileGeneration:
    """The generations as files' modification times in nanoseconds, one file per name in a folder: one stat
    per generation a page depends on, shared by every process of one machine."""

    def __init__(self, path: str):
        self.path = path
        os.makedirs(path, exist_ok=True)

    def _file(self, name: str) -> str:
        return os.path.join(self.path, name.replace(":", "-"))

    def current(self, names: tuple[str, ...]) -> tuple[int, ...]:
        values = []
        for name in names:
            try:
                values.append(os.stat(self._file(name)).st_mtime_ns)
            except FileNotFoundError:
                self.bump((name,))
                values.append(os.stat(self._file(name)).st_mtime_ns)
        return tuple(values)

    def bump(self, names) -> None:
        now = time.time_ns()
        for name in names:
            path = self._file(name)
            try:
                before = os.stat(path).st_mtime_ns
            except FileNotFoundError:
                with open(path, "a"):
                    before = -1
            os.utime(path, ns=(now, max(now, before + 1)))


def _now_us() -> int:
    return time.time_ns() // 1000


class GenerationUnavailable(Exception):
    """The generations' store did not answer (recently): serve without the cache."""


class RedisGeneration:
    """The generations in Redis, shared by every machine serving the site: max(previous + 1, the clock in
    microseconds) at each move, so none goes back even when Redis restarts empty. After a failure it is not
    asked again for a second (pages are rendered meanwhile); moves that failed are made when Redis answers."""

    # One round trip each, atomic in Redis. The floors come as strings: Lua prints a large number as 1e+15.
    _MOVE = ("local out = {} for i, key in ipairs(KEYS) do local v = redis.call('INCR', key) "
             "if v < tonumber(ARGV[i]) then redis.call('SET', key, ARGV[i]) v = ARGV[i] end "
             "out[i] = tostring(v) end return out")
    _RAISE = ("local out = {} for i, key in ipairs(KEYS) do "
              "local v = tonumber(redis.call('GET', key) or '0') "
              "if v < tonumber(ARGV[i]) then redis.call('SET', key, ARGV[i]) end "
              "out[i] = redis.call('GET', key) end return out")
    PAUSE = 1.0

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._move = self.client.register_script(self._MOVE)
        self._raise = self.client.register_script(self._RAISE)
        self.highest: dict[str, int] = {}  # the highest generation of each name this process has seen
        self.owed: set[str] = set()
        self._paused_until = 0.0

    @staticmethod
    def key(name: str) -> str:
        return REDIS_KEY if name == BASE else f"{REDIS_KEY}:{name}"

    def current(self, names: tuple[str, ...]) -> tuple[int, ...]:
        if self.owed:
            self.bump(())  # first the moves a failure left owed, or no kept page is served
        values = self.ask(lambda: self.client.mget([self.key(name) for name in names]))
        low = [name for name, value in zip(names, values, strict=True)
               if value is None or int(value) < self.highest.get(name, 0)]
        if low:
            # Missing (never moved, or Redis restarted empty) or lower than seen (restored from an older
            # snapshot): put above what this process saw and the clock.
            raised = self.ask(lambda: self._raise(keys=[self.key(name) for name in low],
                                                  args=[self._floor(name) for name in low]))
            found = dict(zip(low, raised, strict=True))
            values = [found.get(name, value) for name, value in zip(names, values, strict=True)]
        return tuple(self._seen(name, int(value)) for name, value in zip(names, values, strict=True))

    def bump(self, names) -> None:
        moving = sorted(self.owed | set(names))
        if not moving:
            return
        try:
            values = self.ask(lambda: self._move(keys=[self.key(name) for name in moving],
                                                 args=[self._floor(name) for name in moving]))
        except GenerationUnavailable:
            self.owed.update(moving)
            raise
        self.owed.clear()
        for name, value in zip(moving, values, strict=True):
            self._seen(name, int(value))

    def _floor(self, name: str) -> str:
        """The least a generation may be now: above what this process saw, and not below the clock."""
        return str(max(self.highest.get(name, 0) + 1, _now_us()))

    def _seen(self, name: str, value: int) -> int:
        if value > self.highest.get(name, 0):
            self.highest[name] = value
        return value

    def ask(self, command):
        """`command()` against Redis, or GenerationUnavailable while it does not answer (also for the
        values kept beside the generations, civic.core.shelf)."""
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

    def __init__(self, generation, entries: int, shelf=None):
        self.generation = generation
        self.kept = LRU(entries)
        self.shelf = shelf  # values every process can read, beside the generations (civic.core.shelf)

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


def _names(keys) -> tuple[str, ...]:
    for name in keys:
        if not _NAME.match(name):
            raise ValueError(f"page cache: {name!r} is not a generation name (e.g. survey:42, motions)")
    return (BASE, *keys)


_PROBED = "_civic_kept_page"  # in flask.g: what `kept_page_hit` found for this request


def _find(keys, kwargs, signed_in: bool = False, apart: bool = False):
    """(cache, key, found) for this request, `found` the kept page or None; None when the request is not one
    a page is kept for (logged in, unless `signed_in` says the person gets the kept page with their slots; a
    POST; the cache off or its store down). `apart`: the page kept for signed-in people is not the anonymous
    visitors' one (see `public_page`)."""
    cache = _cache()
    seconds = float(current_app.config["CIVIC_PAGE_CACHE_SECONDS"] or 0)
    if cache is None or seconds <= 0 or not (signed_in or _anonymous()):
        return None
    names = _names(keys(**kwargs)) if keys is not None else (ALL,)
    try:
        generation = cache.generation.current(names)
    except Exception:  # the shared store is down (the store logs it): serve fresh pages rather than fail
        log.debug("page cache: no generation; serving uncached", exc_info=True)
        metrics.count_page_cache("bypass")
        return None
    key = (generation, names, str(get_locale()), request.full_path, apart)
    return cache, key, cache.get(key, seconds)


def _current(names: tuple[str, ...]) -> tuple[int, ...] | None:
    """The generations `names` now, for a value kept per process under the same rules as the pages; None
    when the cache is off or its store does not answer (keep nothing then)."""
    cache = _cache()
    if cache is None or float(current_app.config["CIVIC_PAGE_CACHE_SECONDS"] or 0) <= 0:
        return None
    try:
        return cache.generation.current(names)
    except Exception:  # the shared store is down (the store logs it)
        log.debug("page cache: no generations for %s", names, exc_info=True)
        return None


def shelf():
    """What every server process of the site can read beside the generations (civic.core.shelf), or None
    when pages are not kept."""
    cache = _cache()
    return cache.shelf if cache is not None else None


def generation_of(name: str) -> int | None:
    """The generation `name` alone (the people known, civic/accounts/people.py), or None."""
    found = _current((name,))
    return found[0] if found is not None else None


def generations_of(keys) -> tuple[int, ...] | None:
    """The generations a page declaring `keys` depends on ("base" and those), for a value kept under the same
    rules as such a page (a person's registration for a meeting, civic/accounts/people.py), or None."""
    return _current(_names(keys))


_KEPT_PERSON = "_civic_kept_person"  # in flask.g while a kept page's path first asks who is signed in


def kept_person_wanted() -> bool:
    """Whether the person is being looked up for a kept page's slots, where the one the process knows will
    do (civic/accounts/people.py): nothing is written, and no view runs with them."""
    return bool(g.get(_KEPT_PERSON))


def ask_kept_person(check) -> bool:
    """`check(current_user)`, the person (when not known yet in this request) looked up as the kept pages
    look them up (civic/accounts/people.py)."""
    setattr(g, _KEPT_PERSON, True)
    try:
        return check(current_user)
    finally:
        g.pop(_KEPT_PERSON, None)


def _person_for_view() -> None:
    """Before a view runs for a signed-in person: a person known to the process (no database object) gives
    way to the one read afresh, which the view may change and save."""
    if getattr(g.get("_login_user"), "kept", False):
        g.pop("_login_user")


def kept_page_hit() -> bool:
    """Whether this request will be answered with a kept page, asked before its view runs (the default rate
    limit counts such requests in this process's memory, without a statement: civic.core.ratelimit). What
    was found is remembered for the view, which serves it without looking again. Only anonymous visitors'
    requests count as hits here: a signed-in person's page has their slots rendered, with statements."""
    probed = g.get(_PROBED)
    if probed is None:
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        marked = getattr(view, "civic_public_page", None)
        probed = _find(marked[0], request.view_args or {}) if marked is not None else False
        setattr(g, _PROBED, probed or False)
    return bool(probed) and probed[2] is not None


def public_page(view=None, *, keys=None, personal=False):
    """Serve this view's page from memory to anonymous visitors while the data has not changed. `keys`, a
    function of the view's arguments, names the objects and lists the page shows (see `changes`): the page is
    then kept through announced writes to any other; without it, any write makes it stale. `personal`: every
    part of the page that differs for a signed-in citizen is a slot (civic/core/slots.py), so they get the
    kept page with their slots rendered for them; otherwise their page is rendered whole. `personal` may
    also be a function of the view's arguments, asked for a signed-in person before anything is rendered
    (one cheap read at most): whether their page can be the kept one with their slots (False: rendered
    whole). Such a page's shared render is kept apart from the anonymous visitors' page, and while it runs
    `slots.shared_render()` is true: the view leaves out what only an anonymous visitor's page carries (the
    survey form's token, a browser cookie), which would make a page nobody may keep."""
    if view is None:
        return functools.partial(public_page, keys=keys, personal=personal)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        probed = g.pop(_PROBED, None)
        anonymous = _anonymous()
        if anonymous:
            lookup = probed if probed is not None else _find(keys, kwargs)
        elif personal and _cache() is not None:
            # Who they are, whether their page is the kept one, their slots: reads alone, without a
            # transaction on PostgreSQL (a render to keep, or their page rendered whole, comes after it).
            with reads_alone():
                lookup = _find(keys, kwargs, signed_in=True, apart=personal is not True) if ask_kept_person(
                    _assembled_for) and (personal is True or personal(**kwargs)) else None
                if lookup and lookup[2] is not None:
                    metrics.count_page_cache("hit")
                    _created, kept, content_type = lookup[2]
                    return _for_person(kept, content_type)
        else:
            lookup = None
        if not lookup:
            _person_for_view()
            return view(*args, **kwargs)
        cache, key, found = lookup
        if found is not None:
            metrics.count_page_cache("hit")
            _created, kept, content_type = found
        else:
            metrics.count_page_cache("miss")
            response, kept = _render_to_keep(view, args, kwargs) if anonymous else _render_shared(
                view, args, kwargs)
            if kept is None:
                if anonymous:
                    return response
                _person_for_view()
                return view(*args, **kwargs)
            content_type = response.content_type
            cache.put(key, kept, content_type)
        if not anonymous:
            return _for_person(kept, content_type)
        body, etag, made, _parts = kept
        response = current_app.response_class(body, status=200, content_type=content_type)
        return _conditional(response, etag, made)

    wrapper.civic_public_page = (keys,)  # read by kept_page_hit, through any decorator outside this one
    return wrapper


def _for_person(kept, content_type: str) -> Response:
    """The kept page with the signed-in person's slots rendered for them: their token and name are in it;
    nobody keeps it."""
    _body, _etag, _made, parts = kept
    return current_app.response_class(slots.assemble(parts), status=200, content_type=content_type)


def _assembled_for(user) -> bool:
    """Whether a signed-in visitor's page may be the kept one with their slots: a GET with no message
    waiting, by someone who sees public pages as everybody does but for the slots (councillors and
    administrators see drafts and management links: their pages are rendered whole)."""
    return (bool(current_app.config["CIVIC_PERSONAL_SLOTS"]) and request.method in ("GET", "HEAD")
            and user.is_authenticated and not user.is_admin and not user.is_councillor
            and "_flashes" not in session and not session.modified and "csrf_token" not in g)


_UNKEPT = "_civic_page_unkept"  # in flask.g: the render read something of the visitor's (see `not_kept`)


def not_kept() -> None:
    """The page being rendered depends on something of this visitor's that is neither the session nor a
    person (a browser's own cookie): nobody else may get it, so it is not kept."""
    setattr(g, _UNKEPT, True)


def _render_to_keep(view, args, kwargs):
    """(the response, what to keep: page, ETag, time, parts) of a render for an anonymous visitor; what to
    keep is None when the render may not be kept (a token, a cookie, the session touched, not a 200)."""
    slots.start_marking()
    try:
        response = current_app.make_response(view(*args, **kwargs))
    finally:
        marked = slots.stop_marking()
    if (response.status_code == 200 and not response.direct_passthrough and not response.is_streamed
            and "Set-Cookie" not in response.headers and not session.modified
            and "csrf_token" not in g and not g.pop(_UNKEPT, False)):
        body = response.get_data()
        if len(body) <= MAX_BODY:
            body, parts = slots.split(body, marked)
            response.set_data(body)
            return response, (body, hashlib.blake2b(body, digest_size=16).hexdigest(), time.time(), parts)
    return response, None


def _render_shared(view, args, kwargs):
    """The render an anonymous visitor would get, made in a signed-in person's request (to keep it, then
    add their slots): the person is set aside meanwhile. (response, what to keep or None)."""
    person = g._login_user
    g._login_user = current_app.login_manager.anonymous_user()
    slots.begin_shared()
    try:
        return _render_to_keep(view, args, kwargs)
    finally:
        slots.end_shared()
        g._login_user = person


def _conditional(response, etag: str, made: float):
    """A kept page as HTTP caches should see it: validators (its content's hash, the time it was rendered)
    and `no-cache` (browsers and proxies may keep it, but ask again each time: a 304 when it has not changed,
    as the data behind it can change any moment), answering a conditional request with 304."""
    response.set_etag(etag)
    response.last_modified = int(made)
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)


def remembered(name: str, compute, keys=None):
    """A small public value that several pages compute (a filter's choices), kept in this process under the
    same rules as the pages: until the data changes or the seconds run out. Logged-in people benefit too.
    `keys`, as for a page: what announced writes change it (none: only unannounced writes do)."""
    cache = _cache()
    seconds = float(current_app.config["CIVIC_PAGE_CACHE_SECONDS"] or 0) if cache is not None else 0
    if seconds <= 0:
        return compute()
    try:
        key = ("value", cache.generation.current(_names(keys) if keys is not None else (ALL,)), name)
    except Exception:  # the shared store is down (the store logs it)
        log.debug("page cache: no generation; computing %s", name, exc_info=True)
        return compute()
    found = cache.get(key, seconds)
    if found is not None:
        return found[1]
    value = compute()
    cache.put(key, value)
    return value


def changes(*keys: str) -> None:
    """Announce, inside the transaction that makes them, what a write changes: the objects and lists whose
    pages show it ("survey:42", "meetings"). When every table the transaction writes is one its feature
    declares keyed (Feature.keyed_tables), the commit makes only the pages that declare one of these keys
    (and the pages that declare none) stale; otherwise every kept page, as for any write. A transaction that
    writes only private tables makes only the pages of the keys it announces stale (a person's draft, which
    decides how their answering page is made)."""
    _names(keys)
    if _cache() is None:  # the cache is off: nothing listens
        return
    info = db.session.connection().info
    info.setdefault(_ANNOUNCED, set()).update(keys)


def data_changed(app: Flask) -> None:
    """Move the generations on for a change made outside the app's engine (a restore by pg_restore), so no
    process serves a page kept from before it."""
    cache = app.extensions.get("civic_page_cache")
    if cache is None:
        return
    try:
        cache.generation.bump((ALL, BASE))
    except GenerationUnavailable:
        log.warning("page cache: kept pages may show the data of before for up to %s seconds",
                    app.config["CIVIC_PAGE_CACHE_SECONDS"])


def _moves(info: dict, keyed: frozenset[str]) -> set[str]:
    """The generations a committed transaction moves on (see the module's docstring)."""
    written = info.pop(_WRITTEN, None)
    announced = info.pop(_ANNOUNCED, None) or set()
    if not written:  # private tables only: what the transaction announced, and nothing else, goes stale
        return set(announced)
    if announced and None not in written and written <= keyed:
        return {ALL, *announced}
    return {ALL, BASE, *announced}


def _note_rollback(conn) -> None:
    conn.info.pop(_WRITTEN, None)
    conn.info.pop(_ANNOUNCED, None)
    conn.info.pop(_PERSON_WRITE, None)


def init_app(app: Flask) -> None:
    if float(app.config["CIVIC_PAGE_CACHE_SECONDS"] or 0) <= 0:
        return
    redis_url = app.config["CIVIC_REDIS_URL"]
    generation = RedisGeneration(redis_url) if redis_url else FileGeneration(
        os.path.join(app.instance_path, "page-generations"))
    # What every process may share of a signed-in citizen (civic/accounts/people.py) lasts an hour at most.
    shelf = RedisShelf(generation, SHELF_SECONDS) if redis_url else FileShelf(
        os.path.join(app.instance_path, "shelf"), SHELF_SECONDS)
    app.extensions["civic_page_cache"] = PageCache(generation, int(app.config["CIVIC_PAGE_CACHE_ENTRIES"]),
                                                   shelf)

    with app.app_context():
        engine = db.engine

    def moved_on(dbapi_connection, record) -> None:
        if record is None:
            return
        _note_rollback(record)  # written but neither committed nor rolled back: reset on return
        moves = record.info.pop(_COMMITTED, None)
        if moves:
            try:
                generation.bump(moves)
            except GenerationUnavailable:
                pass  # logged by the store, and made when it answers again
            except Exception:  # after a commit nothing may fail the request that made it
                log.warning("page cache: could not move the generations on", exc_info=True)

    private = PRIVATE_TABLES | frozenset(features.each("private_tables", app))
    keyed = frozenset(features.each("keyed_tables", app))

    people = PERSON_TABLES | frozenset(features.each("person_tables", app)) | {None}

    def classify(statement: str) -> tuple[frozenset, bool]:
        """(the public tables a statement writes, whether it writes a table a kept person comes from)."""
        if statement.lstrip()[:12].upper().startswith(_READ_ONLY):
            return frozenset(), False
        public = frozenset(written_tables(statement, private)) if writes_public_data(statement, private) \
            else frozenset()
        written = written_tables(statement, frozenset())
        added = statement.lstrip()[:7].upper() == "INSERT " and written <= _NEW_PEOPLE_ONLY
        return public, bool(written & people) and not added

    # Statements come from SQLAlchemy's compiled cache, so the same texts recur: each is read once (at most
    # 512 of them kept, none longer than 20,000 characters).
    classified: dict[str, tuple[frozenset, bool]] = {}

    def note_write(conn, cursor, statement, parameters, context, executemany) -> None:
        found = classified.get(statement)
        if found is None:
            found = classify(statement)
            if len(statement) <= 20_000:
                if len(classified) >= 512:
                    classified.clear()
                classified[statement] = found
        written, person = found
        if written:
            conn.info.setdefault(_WRITTEN, set()).update(written)
        if person:
            conn.info[_PERSON_WRITE] = True

    def note_commit(conn) -> None:
        moves = _moves(conn.info, keyed)
        if conn.info.pop(_PERSON_WRITE, False):
            moves.add(PEOPLE)
        if moves:
            conn.info.setdefault(_COMMITTED, set()).update(moves)

    event.listen(engine, "after_cursor_execute", note_write)
    event.listen(engine, "commit", note_commit)
    event.listen(engine, "rollback", _note_rollback)
    event.listen(engine.pool, "checkin", moved_on)
