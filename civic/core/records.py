"""Reading a person's records for "download my data": a select() streamed in batches as JSON-ready dicts, and
its row count as a scalar subquery, so every kind of record costs one query whatever the number of rows."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import Select, func, select

from civic.database import db

BATCH = 500


def plain(value):
    """A JSON value for a column value: times and dates as ISO 8601, enums as their code."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def stream(query: Select) -> Iterator[dict]:
    """The rows of `query` as dicts of plain values, fetched BATCH at a time."""
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    for row in result.mappings():
        yield {key: plain(value) for key, value in row.items()}


def count_of(query: Select):
    """How many rows `query` returns, as a scalar subquery (for one query counting several kinds)."""
    return select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()
