"""With CIVIC_REDIS_URL, what the server processes share of a signed-in citizen lives in Redis beside the page
generations (civic/core/shelf.py): a server of another machine knows a citizen another one met, without a
statement; a value lasts no longer than it may; and a Redis that stops answering costs a statement, never an
error. Against a redis-server of this test only (tests/ops/servers.py)."""
from __future__ import annotations

import time

import pytest
import redis

from civic import create_app
from civic.core.pagecache import RedisGeneration
from civic.core.shelf import REDIS_PREFIX, RedisShelf
from tests.conftest import TEST_CONFIG
from tests.core.test_personal_slots import _ACCOUNT, _get
from tests.factories import make_user
from tests.ops.conftest import FAST_HASHING, close_site
from tests.ops.test_redis_outage import sign_in

pytestmark = pytest.mark.slow  # a Redis server of its own


@pytest.fixture
def machines(app, database_url, redis_server, monkeypatch):
    """Two sites on the test database sharing `redis_server`, as the servers of two machines are."""
    monkeypatch.setenv("CIVIC_REDIS_URL", redis_server.url)
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "CIVIC_ARGON2": FAST_HASHING}
    sites = [create_app(config) for _ in range(2)]
    yield sites
    for site in sites:
        close_site(site)


def test_a_citizen_met_on_one_machine_costs_the_other_no_statement(machines, redis_server, count_queries):
    first, second = machines
    with first.app_context():
        email = make_user(name="Anna Rossi").email
    anna = first.test_client()
    sign_in(anna, email)
    anna.get("/account/")  # the sign-in message, shown on a page rendered whole
    _get(anna, "/")
    second.test_client().get("/")  # the second machine keeps its shared home page
    elsewhere = second.test_client()
    session_cookie = first.config["SESSION_COOKIE_NAME"]
    elsewhere.set_cookie(session_cookie, anna.get_cookie(session_cookie).value)
    with count_queries() as counter:
        html = _get(elsewhere, "/")
    assert _ACCOUNT.search(html).group(1) == "Anna Rossi"
    assert counter.count == 0, counter.statements
    (key,) = redis.Redis.from_url(redis_server.url).keys(f"{REDIS_PREFIX}*")
    ttl = redis.Redis.from_url(redis_server.url).ttl(key)
    assert 0 < ttl <= 3600  # an hour at most, whatever the session's length


def test_a_value_lasts_no_longer_than_it_may_and_an_outage_costs_nothing_but_speed(redis_server):
    shelf = RedisShelf(RedisGeneration(redis_server.url), longest=3600)
    shelf.put("brief", b"sealed", 1)
    shelf.put("longer", b"sealed", 60)
    assert shelf.get("brief") == b"sealed"
    time.sleep(1.5)
    assert shelf.get("brief") is None and shelf.get("longer") == b"sealed"
    redis_server.stop()
    try:
        assert shelf.get("longer") is None
        shelf.put("during", b"sealed", 60)  # no error: the next read asks the database
    finally:
        redis_server.start()
    time.sleep(1.1)  # past the pause after the failure
    shelf.put("after", b"sealed", 60)
    assert shelf.get("after") == b"sealed"
