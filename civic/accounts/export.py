""""Download my data": everything Civic holds about one person, as a JSON document written piece by piece.

One query per kind of record (the platform's in civic.accounts.queries, each feature's through its
declaration, civic.core.features.PersonalRecords), each read in batches, so neither the number of queries nor
the memory grows with the number of rows. Values are the stored ones (codes such as "confirmed" or
"freelance", times in UTC with their offset): the file is for the person and for any program they bring it to.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator

from civic.accounts import queries
from civic.accounts.models import User
from civic.core import features
from civic.core.records import plain, stream
from civic.core.timezone import ROME
from civic.database import utcnow

FORMAT = "civic-my-data"
VERSION = 1


def filename(now: dt.datetime | None = None) -> str:
    """civic-my-data-<date in Rome>.json"""
    return f"{FORMAT}-{(now or utcnow()).astimezone(ROME).date().isoformat()}.json"


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def profile(user: User) -> dict:
    return {
        "name": user.display_name,
        "email": user.email,
        "language": user.locale,
        "created_at": plain(user.created_at),
        "email_confirmed_at": plain(user.email_confirmed_at),
        "privacy_accepted_at": plain(user.privacy_accepted_at),
        "password_changed_at": plain(user.password_changed_at),
        "roles": [str(role) for role in user.roles],
        "councillor_of": list(stream(queries.councillorships(user.id))),
    }


def _audit(user_id: int) -> Iterator[dict]:
    for row in stream(queries.audit_entries(user_id)):
        # A line the person wrote about another account keeps the kind of object but not which one.
        if row["object_type"] == User.__tablename__ and not row["about_you"]:
            row["object_id"] = None
        yield {key: row[key] for key in ("at", "action", "object_type", "object_id", "summary", "by_you",
                                          "about_you")}


def _array(items: Iterable) -> Iterator[str]:
    yield "["
    for index, item in enumerate(items):
        yield ("," if index else "") + "\n  " + _dumps(item)
    yield "]"


def document(user: User, now: dt.datetime | None = None) -> Iterator[str]:
    """The export of `user`, as chunks of one JSON object. The profile is read now, from the loaded account;
    the records while the chunks are taken (in the request's context: see stream_with_context)."""
    head = {"format": FORMAT, "version": VERSION, "generated_at": plain(now or utcnow()),
            "profile": profile(user)}
    return _chunks(head, user.id)


def _chunks(head: dict, user_id: int) -> Iterator[str]:
    # Each feature's records, in the features' order; generators, so each query runs when its part is written.
    sections = {kind.key: kind.rows(user_id) for kind in features.each("personal_data")}
    sections["audit_log"] = _audit(user_id)
    yield _dumps(head)[:-1]
    for name, items in sections.items():
        yield f",\n{_dumps(name)}: "
        yield from _array(items)
    yield "}\n"
