""""Download my data": everything Civic holds about one person, as a JSON document written piece by piece.

One query per kind of record (civic.accounts.queries), each read in batches, so neither the number of queries
nor the memory grows with the number of rows. Values are the stored ones (codes such as "confirmed" or
"freelance", times in UTC with their offset): the file is for the person and for any program they bring it to.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Iterator

from civic.accounts import queries
from civic.accounts.models import User
from civic.core.timezone import ROME
from civic.database import db, utcnow

FORMAT = "civic-my-data"
VERSION = 1
BATCH = 500


def filename(now: dt.datetime | None = None) -> str:
    """civic-my-data-<date in Rome>.json"""
    return f"{FORMAT}-{(now or utcnow()).astimezone(ROME).date().isoformat()}.json"


def _plain(value):
    """A JSON value for a column value: times and dates as ISO 8601, enums as their code."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def _rows(query) -> Iterator[dict]:
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    for row in result.mappings():
        yield {key: _plain(value) for key, value in row.items()}


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def profile(user: User) -> dict:
    return {
        "name": user.display_name,
        "email": user.email,
        "language": user.locale,
        "created_at": _plain(user.created_at),
        "email_confirmed_at": _plain(user.email_confirmed_at),
        "privacy_accepted_at": _plain(user.privacy_accepted_at),
        "password_changed_at": _plain(user.password_changed_at),
        "roles": [str(role) for role in user.roles],
        "councillor_of": list(_rows(queries.councillorships(user.id))),
    }


def _comments(user_id: int) -> Iterator[dict]:
    for row in _rows(queries.comments(user_id)):
        if row["motion_id"] is not None:
            target = {"type": "motion", "id": row["motion_id"], "title": row["motion_title"]}
        else:
            target = {"type": "consultation", "id": row["consultation_id"],
                      "title": row["consultation_title"]}
        yield {"id": row["id"], "text": row["text"], "on": target, "reply_to": row["parent_id"],
               "created_at": row["created_at"], "edited_at": row["edited_at"],
               "hidden_by_moderators": row["hidden_at"] is not None, "hidden_at": row["hidden_at"]}


def _answer(row: dict) -> dict:
    answer = {"question": row["prompt"]}
    if row["row"] is not None:
        answer["row"] = row["row"]
    if row["rank"] is not None:
        answer["rank"] = row["rank"]
    if row["option"] is not None:
        answer["answer"] = row["option"]
        if row["text"] is not None:
            answer["text"] = row["text"]
    elif row["number"] is not None:
        answer["answer"] = row["number"]
    else:
        answer["answer"] = row["text"]
    return answer


def _named_responses(user_id: int) -> Iterator[dict]:
    """One item per named response; the answers of one response at a time are in memory."""
    rows = _rows(queries.named_answers(user_id))
    for _id, answers in itertools.groupby(rows, key=lambda row: row["response_id"]):
        first = next(answers)
        yield {"survey": {"id": first["survey_id"], "title": first["survey"]},
               "submitted_at": first["submitted_at"],
               "answers": [_answer(first), *(_answer(row) for row in answers)]}


def _participations(user_id: int) -> Iterator[dict]:
    for row in _rows(queries.participations(user_id)):
        yield {"survey": {"id": row["survey_id"], "title": row["title"]}, "anonymous": row["anonymous"],
               "answered_on": row["answered_on"]}


def _declarations(user_id: int) -> Iterator[dict]:
    needs: dict[int, list[str]] = {}
    for row in _rows(queries.declaration_needs(user_id)):
        needs.setdefault(row["declaration_id"], []).append(row["need"])
    for row in _rows(queries.declarations(user_id)):
        yield {**{key: value for key, value in row.items() if key != "id"}, "needs": needs.get(row["id"], [])}


def _audit(user_id: int) -> Iterator[dict]:
    for row in _rows(queries.audit_entries(user_id)):
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
    head = {"format": FORMAT, "version": VERSION, "generated_at": _plain(now or utcnow()),
            "profile": profile(user)}
    return _chunks(head, user.id)


def _chunks(head: dict, user_id: int) -> Iterator[str]:
    sections = {
        "meeting_registrations": _rows(queries.registrations(user_id)),
        "motion_supports": _rows(queries.supports(user_id)),
        "comments": _comments(user_id),
        "survey_participations": _participations(user_id),
        "named_survey_responses": _named_responses(user_id),
        "interest_declarations": _declarations(user_id),
        "audit_log": _audit(user_id),
    }
    yield _dumps(head)[:-1]
    for name, items in sections.items():
        yield f",\n{_dumps(name)}: "
        yield from _array(items)
    yield "}\n"
