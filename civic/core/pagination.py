"""One pagination helper for every list, with a hard cap on page numbers and sizes."""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import lazyload

from civic.database import db

MAX_PER_PAGE = 100


def page_number() -> int:
    """The ?page= argument: 1 when absent or malformed; 404 past the cap (no scraping of page 10**9)."""
    try:
        page = int(request.args.get("page", 1))
    except (TypeError, ValueError):
        return 1
    if page < 1:
        return 1
    if page > current_app.config["CIVIC_MAX_PAGE"]:
        abort(404)
    return page


@dataclass(frozen=True)
class Page:
    """One page of a listing: its rows (`items`), its number (from 1), the page size and the count of all the
    rows. A page past the last one has no items."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2) -> Iterator[int | None]:
        """The page numbers to link: the first `left_edge`, those from `left_current` before this page to
        `right_current` after it, the last `right_edge`; None where numbers are skipped."""
        previous = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or self.page - left_current <= number <= self.page + right_current
                    or number > self.pages - right_edge):
                if number > previous + 1:
                    yield None
                yield number
                previous = number


def paginate(query: Select, per_page: int | None = None, count_query: Select | None = None) -> Page:
    """Two queries whatever the page: the rows of this page and the count. `count_query`, when given, counts
    the same rows more cheaply than wrapping the listing query (with its eager loads and computed columns)."""
    number = page_number()
    per_page = min(per_page or current_app.config["CIVIC_PAGE_SIZE"], MAX_PER_PAGE)
    rows = db.session.execute(query.limit(per_page).offset((number - 1) * per_page))
    items = list(rows.unique().scalars())
    if count_query is None:
        # Eager loads would only widen the subquery the count runs over.
        counted = query.options(lazyload("*")).order_by(None).subquery()
        count_query = select(func.count()).select_from(counted)
    return Page(items=items, page=number, per_page=per_page, total=db.session.scalar(count_query) or 0)
