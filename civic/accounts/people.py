"""The signed-in people each process knows, for the kept public pages (civic/core/pagecache.py): a citizen
on such a page gets the shared render with their slots, and who they are (their name, their roles, the
counts beside their account menu) is read from this process's memory instead of two queries per page.

What makes it safe:

- Only for that path, and for views that read plain values of the person and change nothing of the
  account (a survey answer: `signed_in`): a page rendered whole and any other view get the person read
  afresh from the database (an ORM object it may change and save); a person known here is a frozen
  snapshot of plain values that no code can write through.
- Read once: who they are with their roles, the account menu's counts and the facts that have columns
  (what they follow, their identity when they hold no verification) in one statement; what else a page
  asks of them the first time it does (a verified resident's bodies: Feature.person_facts).
- Kept under the "people" generation (civic.core.pagecache.PEOPLE), which every committed write to the
  tables a person comes from moves on, in every process: the accounts, their login sessions and their
  councillor roles, and what features declare (`person_tables`: notifications, follows, identities,
  verifications). A sign-out anywhere, a role granted or taken away, a name changed, a new notification:
  the next page reads the person again (a new account or login session, a sign-up or a log-in, changes
  nobody known and moves nothing).
  When the generations' store does not answer, nobody is kept (every page reads the person).
- A login session past its end is not used (its end is kept beside the person), and one that ended
  (signed out, expired, the account deleted or disabled) is gone from the database at the next read.
- Councillors and administrators are never kept: their pages are rendered whole.
- Kept by a hash of the session token, as the database keeps it; at most CIVIC_PEOPLE_KEPT people per
  process (the least recently seen go first); 0 keeps nobody.
- Shared by the processes: a person read in one process is put on the shelf (civic/core/shelf.py: files in
  the instance folder, or Redis with CIVIC_REDIS_URL) under the same generation, sealed with their own login
  session (civic/accounts/sealed.py), so that the other processes, which a server hands the person's next
  requests to, know them without a statement. The same rules hold there: the generation and the session's end
  are sealed with them, and an entry lasts an hour at most. What a page remembers of them (`remembered`: their
  registration for a meeting, their state before a survey) goes with them, under that page's generations.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import ClassVar

from flask import Flask, current_app
from flask_login import current_user

from civic.accounts import services, tokens
from civic.accounts.models import User
from civic.accounts.sealed import Sealer, plain
from civic.core import features, metrics, pagecache
from civic.core.lru import LRU
from civic.database import reads_alone, utcnow

EXTENSION = "civic_people"


@dataclasses.dataclass(frozen=True)
class Person:
    """A signed-in citizen as the process knows them: what the kept pages' slots and their checks read."""

    id: int
    display_name: str
    email: str
    locale: str | None
    is_confirmed: bool
    expires_at: dt.datetime  # the login session's end
    session_digest: str  # the login session's token hash, as the database keeps it
    generation: int
    # What was asked of them, read once (the first time a page asks, with that request's session): the
    # account menu counts and what features keep (Feature.person_facts), by ("count" | "fact", name).
    read: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)
    # Their place on the shelf every process reads (civic.accounts.sealed), to share what is read later.
    sealer: Sealer | None = dataclasses.field(default=None, compare=False, repr=False)

    kept: ClassVar[bool] = True  # read by civic.core.pagecache: not a database object
    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False
    is_active: ClassVar[bool] = True
    is_admin: ClassVar[bool] = False
    is_councillor: ClassVar[bool] = False
    auth_token: ClassVar[None] = None  # nothing on this path signs out

    def get_id(self) -> None:
        return None

    def can_manage(self, body_id: int | None) -> bool:
        return False

    def count(self, endpoint: str) -> int:
        key = ("count", endpoint)
        if key not in self.read:
            link = next((link for link in features.each("account_menu")
                         if link.endpoint == endpoint and link.count), None)
            self.read[key] = link.count(self.id) if link is not None else 0
            _shelve(self)
        return self.read[key]

    def fact(self, wanted: str):
        key = ("fact", wanted)
        if key not in self.read:
            fact = next((fact for fact in features.each("person_facts") if fact.name == wanted), None)
            self.read[key] = fact.read(self.id) if fact is not None else None
            _shelve(self)
        return self.read[key]


@dataclasses.dataclass(frozen=True)
class _Staff:
    """A login session of a councillor or administrator: never kept as a Person, read whole at each page."""

    expires_at: dt.datetime
    generation: int


def known(token: str):
    """The person of this live login session for a kept page: the one this process knows, or the one another
    process put on the shelf (then known here too), or read now (then kept, and shelved); a councillor or
    administrator is returned as read (an ORM object), never kept. None for a dead, expired or unknown
    session."""
    kept = current_app.extensions.get(EXTENSION)
    generation = pagecache.generation_of(pagecache.PEOPLE) if kept is not None else None
    if generation is None:
        return services.load_session_user(token)
    digest = tokens.digest(token)
    found, result = kept.get(digest), "hit"
    sealer = None
    if not _current(found, generation):
        sealer = Sealer(token)
        found, result = _unshelved(sealer, digest, generation), "shelf"
        if found is not None:
            kept.put(digest, found)
    if found is not None:
        if isinstance(found, _Staff):
            return services.load_session_user(token)
        metrics.count_people(result)
        return found
    metrics.count_people("miss")
    # The generation was read before the person: a write committed meanwhile moves it past this one.
    statement, counted, columned = _facts_statement()
    facts = services.session_facts(statement, token)
    if facts is None:
        kept.discard(digest)
        return None
    if facts.staff:  # remembered as such, so that their next pages read them in one statement again
        staff = _Staff(expires_at=facts.expires_at, generation=generation)
        kept.put(digest, staff)
        _shelve(staff, sealer)
        return services.load_session_user(token)
    person = Person(
        id=facts.id, display_name=facts.display_name, email=facts.email, locale=facts.locale,
        is_confirmed=bool(facts.is_confirmed), expires_at=facts.expires_at, session_digest=digest,
        generation=generation, sealer=sealer)
    # The account menu's counts came with them: no statement more for the header.
    for n, endpoint in enumerate(counted):
        person.read[("count", endpoint)] = facts._mapping[f"count_{n}"] or 0
    for n, (fact, width) in enumerate(columned):  # and the facts they tell whole
        value = fact.from_columns(*(facts._mapping[f"fact_{n}_{i}"] for i in range(width)))
        if value is not None:
            person.read[("fact", fact.name)] = value
    kept.put(digest, person)
    _shelve(person)
    return person


def _current(found, generation: int) -> bool:
    return found is not None and found.generation == generation and found.expires_at > utcnow()


_SHARED = ("count", "fact")  # what the shelf holds of a person's reads, beside the last page values
PAGE_VALUES_SHELVED = 32  # a page's own values on the shelf (with their generations), the newest
_FORM = 2  # the shape of a shelved person: a release that changes it ignores what older ones shelved


def _shelve(found, sealer: Sealer | None = None) -> None:
    """Put a person (or a staff member's mark) on the shelf every process reads, sealed with their session,
    for as long as the session lasts (an hour at most). Nothing when pages are not kept."""
    shelf = pagecache.shelf()
    sealer = sealer or getattr(found, "sealer", None)
    if shelf is None or sealer is None:
        return
    seconds = (found.expires_at - utcnow()).total_seconds()
    if seconds <= 0:
        return
    value = {"form": _FORM, "generation": found.generation, "expires_at": found.expires_at}
    if isinstance(found, Person):
        value["person"] = (found.id, found.display_name, found.email, found.locale, found.is_confirmed)
        reads = list(found.read.items())  # a copy: a thread may add one meanwhile
        pages = [(key, read) for key, read in reads if key[0] == "page" and plain(read)]
        value["read"] = {**{key: read for key, read in reads if key[0] in _SHARED and plain(read)},
                         **dict(pages[-PAGE_VALUES_SHELVED:])}
    shelf.put(sealer.name, sealer.seal(value), seconds)


def _unshelved(sealer: Sealer, digest: str, generation: int):
    """The person (or staff mark) another process shelved for this session at this generation, or None."""
    shelf = pagecache.shelf()
    value = sealer.open(shelf.get(sealer.name)) if shelf is not None else None
    if not isinstance(value, dict) or value.get("form") != _FORM or value.get("generation") != generation:
        return None  # none, another version's, or of another generation
    if "person" not in value:
        found = _Staff(expires_at=value["expires_at"], generation=generation)
    else:
        person_id, display_name, email, locale, is_confirmed = value["person"]
        found = Person(id=person_id, display_name=display_name, email=email, locale=locale,
                       is_confirmed=is_confirmed, expires_at=value["expires_at"],
                       session_digest=digest, generation=generation,
                       read=dict(value["read"]), sealer=sealer)
    return found if _current(found, generation) else None


# In app.extensions: (the statement, the endpoints it counts for, the facts it reads with their widths).
STATEMENT = "civic_people_statement"


def _facts_statement():
    """Who a login session is, with the account menu's counts (Link.count_column) and the columns of the
    person facts that have some (PersonFact.columns) in the same statement: built once per app (its features
    decide the counts and facts)."""
    built = current_app.extensions.get(STATEMENT)
    if built is None:
        links = [link for link in features.each("account_menu") if link.count_column is not None]
        extra = [link.count_column(User.id).label(f"count_{n}") for n, link in enumerate(links)]
        columned = []
        for n, fact in enumerate(fact for fact in features.each("person_facts") if fact.columns is not None):
            columns = fact.columns(User.id)
            extra += [column.label(f"fact_{n}_{i}") for i, column in enumerate(columns)]
            columned.append((fact, len(columns)))
        built = current_app.extensions[STATEMENT] = (services.session_facts_statement(*extra),
                                                     tuple(link.endpoint for link in links), tuple(columned))
    return built


def signed_in() -> bool:
    """Whether a citizen is signed in, the person looked up as for the kept pages (this process's memory,
    else one read), for the rest of the request: for a view that reads only plain values of the person (a
    survey answer: who, confirmed, their voice) and changes nothing of the account. Call it before anything
    else asks for the person. The read needs no transaction (civic.database.reads_alone)."""
    with reads_alone():
        return pagecache.ask_kept_person(lambda user: user.is_authenticated)


def fact(name: str):
    """What the process keeps of the signed-in citizen under `name` (Feature.person_facts), or None when the
    person of this request was read from the database (ask the database then)."""
    person = current_user._get_current_object()
    return person.fact(name) if isinstance(person, Person) else None


def remembered(name: str, keys: tuple[str, ...], compute):
    """A plain value of the signed-in citizen's about one thing (their registration for a meeting), kept with
    the person the process knows under the generations of the pages that show the thing (`keys`, as that
    page's `public_page(keys=...)`): read again as soon as such a page would be rendered again. A value of
    exact plain types (civic.accounts.sealed.plain) is shelved with the person, so another process has it
    too; the last PAGE_VALUES_SHELVED of them. For a person read from the database, simply computed."""
    person = current_user._get_current_object()
    if not isinstance(person, Person):
        return compute()
    generation = pagecache.generations_of(keys)  # read before the value: a write meanwhile moves it on
    if generation is None:
        return compute()
    found = person.read.get(("page", name))
    if found is not None and found[0] == generation:
        return found[1]
    value = compute()
    person.read[("page", name)] = (generation, value)
    if plain(value):  # on the shelf too, with its generation: the person's next page may be another process's
        _shelve(person)
    return value


def menu_count(link) -> int:
    """The number beside an account menu entry (unread notifications) for the signed-in person."""
    person = current_user._get_current_object()
    if isinstance(person, Person):
        return person.count(link.endpoint)
    return link.count(person.id) if link.count else 0


def init_app(app: Flask) -> None:
    entries = int(app.config["CIVIC_PEOPLE_KEPT"])
    if entries > 0:
        app.extensions[EXTENSION] = LRU(entries)
    app.jinja_env.globals["account_menu_count"] = menu_count
