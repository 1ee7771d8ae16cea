"""Comments in "download my data": each with what it is about, whatever feature that belongs to."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from civic.comments import queries, targets
from civic.comments.models import Comment
from civic.core.records import count_of, stream


def count(user_id: int):
    return count_of(select(Comment.id).where(Comment.author_id == user_id))


def rows(user_id: int) -> Iterator[dict]:
    for row in stream(queries.of_person(user_id, list(targets.commentables().values()))):
        yield {"id": row["id"], "text": row["text"],
               "on": {"type": row["target_kind"], "id": row["target_id"], "title": row.get("target_title")},
               "reply_to": row["parent_id"], "created_at": row["created_at"], "edited_at": row["edited_at"],
               "hidden_by_moderators": row["hidden_at"] is not None, "hidden_at": row["hidden_at"]}
