"""Surveys in "download my data": the participation ledger (anonymous surveys included: only that the person
took part) and the answers of named responses, one response at a time, each as its question's kind reads it
(civic.surveys.kinds)."""
from __future__ import annotations

import itertools
from collections.abc import Iterator

from civic.core.records import count_of, stream
from civic.surveys import invitations, kinds, queries


def participations_count(user_id: int):
    return count_of(queries.participations_of(user_id))


def participations(user_id: int) -> Iterator[dict]:
    for row in stream(queries.participations_of(user_id)):
        yield {"survey": {"id": row["survey_id"], "title": row["title"]}, "anonymous": row["anonymous"],
               "answered_on": row["answered_on"]}


def named_responses_count(user_id: int):
    return count_of(queries.named_responses_of(user_id))


def named_responses(user_id: int) -> Iterator[dict]:
    """One item per named response; the answers of one response at a time are in memory."""
    rows = stream(queries.named_answers_of(user_id))
    for _id, group in itertools.groupby(rows, key=lambda row: row["response_id"]):
        answers = list(group)
        yield {"survey": {"id": answers[0]["survey_id"], "title": answers[0]["survey"]},
               "submitted_at": answers[0]["submitted_at"],
               "answers": [kinds.of(row["kind"]).personal_answer(row) for row in answers]}


def drafts_count(user_id: int):
    return count_of(queries.drafts_of(user_id))


def drafts(user_id: int) -> Iterator[dict]:
    for row in stream(queries.drafts_of(user_id)):
        yield {"survey": {"id": row["survey_id"], "title": row["title"]}, "saved_at": row["saved_at"],
               "answers": row["answers"]}


def invitations_count(user_id: int):
    return count_of(invitations.sent_to(user_id))


def invitations_received(user_id: int) -> Iterator[dict]:
    for row in stream(invitations.sent_to(user_id)):
        yield {"survey": {"id": row["survey_id"], "title": row["title"]}, "sent_at": row["sent_at"],
               "reminders": row["reminders"], "used": row["used"]}
