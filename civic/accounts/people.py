"""The signed-in people each process knows, for the kept public pages (civic/core/pagecache.py): a citizen
on such a page gets the shared render with their slots, and who they are (their name, their roles, the
counts beside their account menu) is read from this process's memory instead of two queries per page.

What makes it safe:

- Only for that path: a page rendered whole, any view that writes, a POST, gets the person read afresh
  from the database (an ORM object it may change and save); a person known here is a frozen snapshot of
  plain values that no code can write through.
- Kept under the "people" generation (civic.core.pagecache.PEOPLE), which every committed write to the
  tables a person comes from moves on, in every process: the accounts, their login sessions and their
  councillor roles, and what features declare (`person_tables`: the notifications). A sign-out anywhere,
  a role granted or taken away, a name changed, a new notification: the next page reads the person again.
  When the generations' store does not answer, nobody is kept (every page reads the person).
- A login session past its end is not used (its end is kept beside the person), and one that ended
  (signed out, expired, the account deleted or disabled) is gone from the database at the next read.
- Councillors and administrators are never kept: their pages are rendered whole.
- Kept by a hash of the session token, as the database keeps it; at most CIVIC_PEOPLE_KEPT people per
  process (the least recently seen go first); 0 keeps nobody.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import ClassVar

from flask import Flask, current_app
from flask_login import current_user

from civic.accounts import services, tokens
from civic.core import features, metrics, pagecache
from civic.core.lru import LRU
from civic.database import utcnow

EXTENSION = "civic_people"


@dataclasses.dataclass(frozen=True)
class Person:
    """A signed-in citizen as the process knows them: what the kept pages' slots and their checks read."""

    id: int
    display_name: str
    email: str
    locale: str | None
    is_confirmed: bool
    counts: tuple[tuple[str, int], ...]  # (account menu endpoint, number)
    facts: tuple[tuple[str, object], ...]  # what features keep of them (Feature.person_facts)
    expires_at: dt.datetime  # the login session's end
    generation: int

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
        return next((number for name, number in self.counts if name == endpoint), 0)

    def fact(self, wanted: str):
        return next((value for name, value in self.facts if name == wanted), None)


def known(token: str):
    """The person of this live login session for a kept page: the one this process knows, or read now (and
    then kept); a councillor or administrator is returned as read (an ORM object), never kept. None for a
    dead, expired or unknown session."""
    kept = current_app.extensions.get(EXTENSION)
    generation = pagecache.generation_of(pagecache.PEOPLE) if kept is not None else None
    if generation is None:
        return services.load_session_user(token)
    digest = tokens.digest(token)
    found = kept.get(digest)
    if found is not None and found.generation == generation and found.expires_at > utcnow():
        metrics.count_people("hit")
        return found
    metrics.count_people("miss")
    # The generation was read before the person: a write committed meanwhile moves it past this one.
    loaded = services.load_session(token)
    if loaded is None:
        kept.discard(digest)
        return None
    user, expires_at = loaded
    if user.is_admin or user.is_councillor:
        return user
    person = Person(
        id=user.id, display_name=user.display_name, email=user.email, locale=user.locale,
        is_confirmed=user.is_confirmed, expires_at=expires_at, generation=generation,
        counts=tuple((link.endpoint, link.count(user.id)) for link in features.each("account_menu")
                     if link.count),
        facts=tuple((name, read(user.id)) for name, read in features.each("person_facts")))
    kept.put(digest, person)
    return person


def fact(name: str):
    """What the process keeps of the signed-in citizen under `name` (Feature.person_facts), or None when the
    person of this request was read from the database (ask the database then)."""
    person = current_user._get_current_object()
    return person.fact(name) if isinstance(person, Person) else None


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
