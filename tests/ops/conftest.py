"""Fixtures of the operations tests: private PostgreSQL and Redis servers, and apps on databases of their own
(migrated with the real migrations, as an operator's would be)."""
from __future__ import annotations

import pytest
import requests
from flask_migrate import upgrade
from limits.storage import MemoryStorage
from prometheus_client.parser import text_string_to_metric_families

from civic import create_app
from civic.database import db
from civic.extensions import limiter
from tests.conftest import TEST_CONFIG, csrf_token
from tests.core.test_migrations import empty_database_url  # noqa: F401  (a fixture: a database of one test)
from tests.factories import PASSWORD
from tests.ops.servers import PostgresCluster, RedisServer

FAST_HASHING = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
TIMEOUT = 30


@pytest.fixture(autouse=True)
def _limits_back_in_memory(app):
    """The rate limiter is one object for every app of a process: after a test made an app whose limits live
    in Redis, or are turned off, the next tests' app must count in memory again."""
    yield
    if not limiter.enabled or not isinstance(limiter.storage, MemoryStorage):
        create_app(dict(TEST_CONFIG))


@pytest.fixture(scope="module")
def postgres_cluster():
    """A PostgreSQL server of this test module only, which the tests may stop and start."""
    cluster = PostgresCluster()
    cluster.start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.destroy()


def make_site(database_url: str, migrate: bool = True, **config):
    """An app on `database_url`, its schema built by the migrations (or left as it is)."""
    site = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "CIVIC_ARGON2": FAST_HASHING,
                       **config})
    if migrate:
        with site.app_context():
            upgrade()
    return site


def close_site(site) -> None:
    with site.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in_over_http(base: str, email: str, password: str = PASSWORD) -> requests.Session:
    """A browser-like session signed in through the real form of a server."""
    browser = requests.Session()
    form = browser.get(f"{base}/account/login", timeout=TIMEOUT).text
    answer = browser.post(f"{base}/account/login", timeout=TIMEOUT, allow_redirects=False,
                          data={"email": email, "password": password, "csrf_token": csrf_token(form)})
    assert answer.status_code == 302
    return browser


def rsvp(browser: requests.Session, base: str, meeting_id: int, form_page: str,
         **fields) -> requests.Response:
    """Send the RSVP form of a meeting, whose page (with its CSRF token) was just fetched."""
    data = {"csrf_token": csrf_token(form_page), "category": "cittadini", "accessibility_needs": "",
            "note": "", **fields}
    return browser.post(f"{base}/meetings/{meeting_id}/register", timeout=TIMEOUT, allow_redirects=False,
                        data=data)


def metric_value(text: str, name: str, **labels) -> float | None:
    """The value of one sample of a metrics page, or None when it is absent."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None
