"""Rate limits shared by every process (ASVS 11.1.4): without Redis the counters live in the database, so
several gunicorn workers grant one budget between them, not one each; every route has a default limit per
client; the health checks have none."""
from __future__ import annotations

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select

from civic import create_app
from civic.core.ratelimit import DatabaseStorage, RateLimitCounter
from civic.database import db
from tests.conftest import TEST_CONFIG
from tests.support.servers import GunicornServer


def test_without_redis_the_counters_are_kept_in_the_database(database_url):
    config = {key: value for key, value in TEST_CONFIG.items() if not key.startswith("RATELIMIT")}
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["RATELIMIT_STORAGE_URI"] == "civic-db://"
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/5"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/5"


def test_the_database_storage_counts_windows_exactly(app):
    storage = DatabaseStorage("civic-db://")
    limiter = FixedWindowRateLimiter(storage)
    item = parse("3 per minute")
    with app.app_context():
        assert [limiter.hit(item, "client-a") for _ in range(5)] == [True, True, True, False, False]
        assert limiter.hit(item, "client-b")
        assert limiter.get_window_stats(item, "client-a").remaining == 0
        assert db.session.scalar(select(func.count()).select_from(RateLimitCounter)) == 2
        storage.clear(item.key_for("client-a"))
        assert limiter.hit(item, "client-a")
        # A window that is over starts again at the next hit.
        db.session.execute(RateLimitCounter.__table__.update().values(expires_at=0))
        db.session.commit()
        assert limiter.hit(item, "client-b") and storage.get(item.key_for("client-b")) == 1


def test_every_route_has_a_default_limit_per_client_but_not_the_health_checks(app, client):
    for path in ("/api/openapi.json", "/consultations/", "/account/login"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] in ("300", "3000"), path
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_several_workers_without_redis_share_one_budget_exactly(app, instance_path, database_url):
    server = GunicornServer(instance_path, database_url, app.config["SECRET_KEY"], workers=4, extra_env={
        "CIVIC_RATELIMIT_ENABLED": "1", "CIVIC_LIMIT_DEFAULT": "25 per hour", "CIVIC_REDIS_URL": ""}).start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(_get, [server.url + "/api/openapi.json"] * 60))
        health = [_get(server.url + "/healthz") for _ in range(30)]
    finally:
        server.stop()
    assert codes.count(200) == 25, (codes, server.log()[-2000:])
    assert codes.count(429) == 35
    assert set(health) == {200}
