"""What a feature adds to the platform. Each feature declares it once, in its own `feature.py`, as a
`Feature`; civic/features.py lists them in order; the app factory hands the list to the platform
(`init_app`), which reads it through `installed()`. So the platform (core, accounts, consultations, ...)
never imports a feature, and a new feature touches its own folder and one line of the list.

The order of the list is the order of the menus, of the sections of a consultation page and of its dashboard,
of the home page's parts, of the demo and of the personal data download."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app
from sqlalchemy import Select

EXTENSION = "civic.features"


@dataclass(frozen=True)
class Link:
    """An entry of a menu: the main menu, the councillors' area, the administration tabs, the account menu."""

    endpoint: str
    label: Any  # a lazy translated string
    description: Any = None
    # Endpoints that show the entry as the current page (the administration tabs); default: the endpoint.
    current: tuple[str, ...] = ()
    # Account menu only: (user id) -> a number shown beside the label when it is not 0 (unread notifications),
    # and the same number as an SQL expression of a user id column (a scalar subquery), so that a process
    # learning who a signed-in person is reads it in the same statement (civic/accounts/people.py).
    count: Callable[[int], int] | None = None
    count_column: Callable[[Any], Any] | None = None

    def is_current(self, endpoint: str | None) -> bool:
        return endpoint == self.endpoint or endpoint in self.current


@dataclass(frozen=True)
class PersonFact:
    """Something each process keeps of a signed-in citizen (civic/accounts/people.py), read once per person
    and generation: `read(user id)` returns it as a plain value. With `columns` (a user id column -> SQL
    expressions, scalar subqueries), those are read in the statement that learns who the person is, and
    `from_columns(*values)` makes the fact of them, or returns None when they cannot tell it alone (then
    `read` is asked, the first time a page needs the fact)."""

    name: str
    read: Callable[[int], Any]
    columns: Callable[[Any], Sequence[Any]] | None = None
    from_columns: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Section:
    """A part of a page that several features share: the template that renders it and a loader returning the
    template's context with a fixed number of queries, whatever the number of rows. Loaders of consultation
    pages and dashboards take the consultation (and the viewer); home loaders take nothing. A consultation
    loader may return, under "timeline", a list of civic.consultations.timeline.TimelineEvent."""

    key: str
    template: str
    load: Callable[..., dict]


@dataclass(frozen=True)
class PersonalRecords:
    """One kind of record a feature keeps about a person: what "download my data" writes under `key`, and
    what the data and deletion pages say about it (`title`, `holds`, how many there are, and what deleting the
    account does to them)."""

    key: str
    title: Any
    holds: Any
    count: Callable[[int], Select]  # user id -> a select of one integer
    rows: Callable[[int], Iterable[dict]]  # user id -> the records as JSON-ready dicts, streamed
    on_deletion: Any = None  # a sentence for the deletion page


@dataclass(frozen=True)
class Feed:
    """A dataset anyone can download, listed on the open-data page while its endpoint exists, and in the
    DCAT-AP_IT catalogue (civic/api/catalog.py): one dataset for the whole site or, with `per_body`, one per
    body that publishes through the feature, under that body's licence."""

    endpoint: str
    title: Any
    format: str
    description: Any
    media_type: str = "application/json"  # IANA media type of what the endpoint answers
    # body -> the endpoint's arguments that select that body's part (e.g. {"body": body.slug})
    per_body: Callable[[Any], dict] | None = None
    keywords: tuple[str, ...] = ()
    service: bool = False  # it describes the API rather than being data: not a dataset of the catalogue


@dataclass(frozen=True)
class Distribution:
    """One download of a catalogue dataset: its address, the EU file type (CSV, JSON, ICS, ZIP...) and its
    media type."""

    url: str
    file_type: str
    media_type: str
    title: Any = None


@dataclass(frozen=True)
class Dataset:
    """A dataset of the DCAT-AP_IT catalogue that is not a Feed: one per published thing (a survey's results).
    `body` publishes it under its licence; `key` makes its address in the catalogue stable."""

    key: str
    title: Any  # a string, or {language: string}
    description: Any
    body: Any
    landing_page: str
    distributions: Sequence[Distribution]
    issued: dt.datetime | None = None
    modified: dt.datetime | None = None
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Commentable:
    """Something people can comment on. The model has `id`, `title`, `body_id` and `is_public`; `url` gives
    the address of its page (with an optional #anchor)."""

    kind: str
    model: type
    url: Callable[[Any, str | None], str]


@dataclass(frozen=True)
class Followable:
    """Something people can follow, to be told what changes: the model has `id` and `title`; `url` gives the
    address of its page. Who follows what is kept by the feature that tells people (see `announce`)."""

    kind: str  # "motion"
    model: type
    label: Any  # what it is, lazy translated ("Motion")
    url: Callable[[Any], str]


@dataclass(frozen=True)
class NotificationKind:
    """A kind of news a feature tells people: the followers of a `followable` kind (None: one person, named
    in the Happening). People turn each kind on or off, at once or in a daily digest. `subject` is a lazy
    string with %(title)s, the followed thing's title."""

    key: str  # "motion.voted"
    followable: str | None
    label: Any  # on the preferences page ("A motion I follow is voted")
    subject: Any


@dataclass(frozen=True)
class Happening:
    """News for the followers of one followable thing (or for `recipient_id` alone), handed to `announce`
    in the transaction of the change: `kind` is a NotificationKind key, `detail` a short text (a milestone's
    title); `actor_id`, who made the change, is not told about it."""

    kind: str
    target: str  # a Followable kind
    target_id: int
    detail: str = ""
    actor_id: int | None = None
    recipient_id: int | None = None
    # A select of the ids of people the feature has already e-mailed about it (the registrants of a cancelled
    # meeting): they are told in the site only.
    mailed: Select | None = None


@dataclass(frozen=True)
class ApiPart:
    """A feature's part of the open-data API: a blueprint mounted under /api (endpoints are then
    "api.<its name>.<view>"), and its paths and schemas in the OpenAPI document."""

    blueprint: Blueprint
    paths: dict
    schemas: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Waiting:
    """Something waiting for the councillors, counted on the front page of their area (/manage/): `count`
    takes the ids of the bodies the reader manages (None for an administrator: every body) and returns a
    select of one integer; the counts of every feature are read together in one query. `endpoint` is where
    they deal with it; `admin` ones are shown to administrators only."""

    key: str
    label: Any  # a lazy translated string: what waits ("Reported comments")
    endpoint: str
    count: Callable[[frozenset[int] | None], Select]
    admin: bool = False


@dataclass(frozen=True)
class Metric:
    """A number operators watch, served to Prometheus with the platform's (civic/core/metrics.py) as a gauge
    read when Prometheus asks, so it is the same whichever server process answers: `read()` runs in the app's
    context and returns the number, or, when `labels` names some, {tuple of label values: number}. The name
    starts with civic_ and ends with its unit or what it counts (civic_census_people); say in `documentation`
    what one is. Keep it one cheap query: it runs at every scrape (every 15 seconds or so)."""

    name: str
    documentation: str
    read: Callable[[], float | Mapping[tuple[str, ...], float]]
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feature:
    """Everything one feature adds; every part is optional."""

    name: str
    blueprint: Blueprint | None = None
    menu: Sequence[Link] = ()  # the main menu
    manage: Sequence[Link] = ()  # the councillors' area (/manage/)
    admin: Sequence[Link] = ()  # the administrators' tabs (/manage/admin/)
    waiting: Sequence[Waiting] = ()  # counts of what waits for the councillors, on /manage/
    home: Section | None = None
    consultation: Section | None = None  # its section on a consultation page
    dashboard: Section | None = None  # its section on a consultation's dashboard
    # (consultation id) -> select of the ids of the people with an account who took part through this feature
    participants: Callable[[int], Select] | None = None
    personal_data: Sequence[PersonalRecords] = ()
    # Called before an account is deleted (user, now): what the foreign keys cannot do alone (free seats).
    on_account_deletion: Callable[[Any, dt.datetime], None] | None = None
    feeds: Sequence[Feed] = ()  # datasets listed on the open-data page
    # () -> the feature's own datasets for the DCAT-AP_IT catalogue, besides its feeds (a survey's results)
    datasets: Callable[[], Iterable[Dataset]] | None = None
    open_data: Section | None = None  # its section of the open-data page
    # () -> select of the ids of the bodies that publish something public through this feature
    public_bodies: Callable[[], Select] | None = None
    api: ApiPart | None = None
    commentable: Sequence[Commentable] = ()
    # Tables no public page shows: writing them leaves the anonymous page cache as it is.
    private_tables: frozenset[str] = frozenset()
    # Tables whose writes the feature announces with civic.core.pagecache.changes (an answer, an RSVP, a
    # support): announced, they make stale only the pages that show what they name.
    keyed_tables: frozenset[str] = frozenset()
    # What each process keeps of a signed-in citizen for the kept pages' slots and the rules
    # (civic/accounts/people.py), read once per person and generation (what they follow), and the tables
    # those facts and the account menu counts come from: writing them makes each process read the people it
    # knows again.
    person_facts: Sequence[PersonFact] = ()
    person_tables: frozenset[str] = frozenset()
    metrics: Sequence[Metric] = ()  # numbers for the operators' monitoring (GET /metrics)
    # Periodic work run by the outbox worker's loop: each returns a line to print, or None.
    periodic: Sequence[Callable[[], str | None]] = ()
    commands: Sequence[Any] = ()  # click commands and groups added to `flask --app civic`
    # (context, echo) -> what it made, kept in the context under the feature's name for the features after.
    demo: Callable[[dict, Callable[[str], None]], Any] | None = None
    setup: Callable[[Flask], None] | None = None  # anything else done once with the app (template filters)
    account_menu: Sequence[Link] = ()  # beside the person's name in the header, with an optional count
    followables: Sequence[Followable] = ()  # what people can follow
    notification_kinds: Sequence[NotificationKind] = ()  # the news it tells (through `announce`)
    # The feature that tells people: receives every announced Happening, and every (user id, followable kind,
    # id) someone took part in by name (supported, booked, answered), which they then follow.
    on_announce: Callable[[Happening], None] | None = None
    on_took_part: Callable[[int, str, int], None] | None = None


def init_app(app: Flask, features: Sequence[Feature]) -> None:
    """Keep the list on the app and let each feature add its blueprint, commands and setup."""
    names = [feature.name for feature in features]
    if len(set(names)) != len(names):
        raise ValueError(f"a feature is listed twice: {names}")
    app.extensions[EXTENSION] = tuple(features)
    for feature in features:
        if feature.blueprint is not None:
            app.register_blueprint(feature.blueprint)
        if feature.api is not None:
            app.register_blueprint(feature.api.blueprint)
        for command in feature.commands:
            app.cli.add_command(command)
        if feature.setup is not None:
            feature.setup(app)


def installed(app: Flask | None = None) -> tuple[Feature, ...]:
    """The features of this app, in order."""
    return (app or current_app).extensions.get(EXTENSION, ())


def announce(happening: Happening) -> None:
    """Tell the followers (through the feature that keeps follows, if any) about a change, in the caller's
    transaction."""
    for listener in each("on_announce"):
        listener(happening)


def took_part(user_id: int, target: str, target_id: int) -> None:
    """Record that a person took part, by name, in a followable thing: they follow it from now on. Never
    call it for an anonymous answer, which must stay unlinkable to the person."""
    for listener in each("on_took_part"):
        listener(user_id, target, target_id)


def each(part: str, app: Flask | None = None) -> Iterator[Any]:
    """Every feature's `part` that is set, in order (for sequences: their items)."""
    for feature in installed(app):
        value = getattr(feature, part)
        if isinstance(value, list | tuple | set | frozenset):
            yield from value
        elif value:
            yield value
