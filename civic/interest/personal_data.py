"""Declarations of interest in "download my data", each with its needs."""
from __future__ import annotations

from collections.abc import Iterator

from civic.core.records import count_of, stream
from civic.interest import queries


def count(user_id: int):
    return count_of(queries.declarations_of(user_id))


def rows(user_id: int) -> Iterator[dict]:
    needs: dict[int, list[str]] = {}
    for row in stream(queries.declaration_needs_of(user_id)):
        needs.setdefault(row["declaration_id"], []).append(row["need"])
    for row in stream(queries.declarations_of(user_id)):
        yield {**{key: value for key, value in row.items() if key != "id"}, "needs": needs.get(row["id"], [])}
