"""Without Redis the rate-limit counters are rows in the database; a page the page cache answers must not pay
for them (issue 18): the default limit counts it in the process's memory, with no statement, and still
refuses a client that spends the budget. What reaches the database (a rendered page, a POST) is still counted
in the shared table."""
from __future__ import annotations

import pytest
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select

from civic.core import ratelimit
from civic.core.ratelimit import DatabaseStorage, RateLimitCounter
from civic.database import db
from civic.extensions import limiter
from tests.conftest import csrf_token
from tests.consultations.factories import make_consultation
from tests.factories import make_body

PAGE = "/consultations/"


@pytest.fixture
def database_counters(app):
    """The limiter's counters in the database, as in production without Redis (the tests' default keeps
    them in memory: tests/conftest.py)."""
    storage = DatabaseStorage("civic-db://")
    limiter._storage = storage
    limiter._limiter = FixedWindowRateLimiter(storage)
    app.config["CIVIC_PAGE_CACHE_SECONDS"] = 60
    ratelimit._local.storage.reset()
    with app.app_context():
        make_consultation(make_body())
        db.session.commit()
    yield storage
    ratelimit._local.storage.reset()


def _rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.sum(RateLimitCounter.hits))) or 0


def test_a_kept_page_costs_no_statement_and_keeps_its_limit_headers(app, database_counters, count_queries):
    client = app.test_client()
    first = client.get(PAGE)
    assert first.status_code == 200
    counted = _rows(app)
    assert counted == 2  # rendered: one hit on each of the default limits, in the shared table
    with count_queries() as counter:
        kept = client.get(PAGE)
    assert kept.status_code == 200 and kept.get_data() == first.get_data()
    assert counter.statements == []  # served from memory, counted in memory
    assert kept.headers["X-RateLimit-Limit"] in ("300", "3000")
    assert int(kept.headers["X-RateLimit-Remaining"]) < int(kept.headers["X-RateLimit-Limit"])
    assert _rows(app) == counted


def test_the_default_limit_still_refuses_a_client_reading_kept_pages(app, database_counters):
    app.config["RATELIMIT_DEFAULT"] = "3 per minute"
    client = app.test_client()
    codes = [client.get(PAGE).status_code for _ in range(6)]
    # The first is rendered (counted in the table, whose limit is the process's configured default), the
    # rest are kept pages, counted in memory: three of them pass, then the budget is spent.
    assert codes[:4] == [200, 200, 200, 200] and codes[4:] == [429, 429], codes


def test_what_reaches_the_database_is_still_counted_in_the_shared_table(app, database_counters):
    client = app.test_client()
    client.get(PAGE)
    page = client.get("/account/login")  # a form with a CSRF token: never kept, so counted in the table
    before = _rows(app)
    assert before > 2
    client.post("/account/login", data={"email": "nobody@example.org", "password": "wrong",
                                        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert _rows(app) > before  # a POST: in the table every worker shares
