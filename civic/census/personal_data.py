"""Census verifications in "download my data": the bodies whose verified resident the person is, how and
until when. Never a fiscal code: Civic has none."""
from __future__ import annotations

from collections.abc import Iterator

from civic.census import queries
from civic.core.records import count_of, stream


def count(user_id: int):
    return count_of(queries.verifications_of(user_id))


def rows(user_id: int) -> Iterator[dict]:
    yield from stream(queries.verifications_of(user_id))
