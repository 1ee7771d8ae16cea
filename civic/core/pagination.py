"""One pagination helper for every list, with a hard cap on page numbers and sizes."""
from __future__ import annotations

from flask import abort, current_app, request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select

from civic.database import db


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


class _Counted(SelectPagination):
    def _query_count(self) -> int:
        count = self._query_args.get("count_query")
        if count is None:
            return super()._query_count()
        return int(self._query_args["session"].execute(count).scalar() or 0)


def paginate(query: Select, per_page: int | None = None, count_query: Select | None = None) -> Pagination:
    """Two queries whatever the page: the count and the rows of this page. `count_query`, when given, counts
    the same rows more cheaply than wrapping the listing query (with its eager loads and computed columns)."""
    per_page = min(per_page or current_app.config["CIVIC_PAGE_SIZE"], 100)
    return _Counted(select=query, session=db.session(), count_query=count_query, page=page_number(),
                    per_page=per_page, max_per_page=100, error_out=False)
