"""What load balancers and supervisors ask: /healthz says the process answers (and asks nothing of the
database), /readyz says check by check whether this server can serve: database, migrations at head, Redis
when configured (reported, not required), and the outbox's backlog under its limit; 200 or 503."""
from __future__ import annotations

import pytest

from civic import create_app
from civic.core.health import migration_heads
from civic.database import db
from civic.outbox.services import enqueue
from tests.conftest import TEST_CONFIG
from tests.ops.conftest import close_site, make_site


@pytest.fixture
def migrated(empty_database_url):
    site = make_site(empty_database_url)
    yield site
    close_site(site)


def test_healthz_answers_without_asking_the_database(client, count_queries):
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert counter.count == 0


def test_a_migrated_database_is_ready(migrated):
    response = migrated.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    with migrated.app_context():
        head = list(migration_heads())
        dialect = db.engine.dialect.name
    assert response.json == {"status": "ready", "checks": {
        "database": {"status": "ok", "required": True, "dialect": dialect},
        "migrations": {"status": "ok", "required": True, "current": head, "head": head},
        "outbox": {"status": "ok", "required": True, "due": 0, "limit": 1000},
    }}


def test_a_database_without_the_migrations_is_not_ready(client):
    # The suite's own database is made by create_all(), with no migration recorded.
    response = client.get("/readyz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["migrations"]["status"] == "failed"
    assert response.json["checks"]["migrations"]["current"] == []
    assert response.json["checks"]["database"]["status"] == "ok"


def test_an_unreachable_database_is_not_ready_but_the_process_lives():
    broken = create_app({**TEST_CONFIG,
                         "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/nothing"})
    client = broken.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json["checks"]
    assert checks["database"] == {"status": "failed", "required": True, "dialect": "postgresql",
                                  "error": "unavailable"}
    assert checks["migrations"]["status"] == checks["outbox"]["status"] == "failed"
    assert "127.0.0.1" not in response.get_data(as_text=True)  # no error text, which names hosts and users


def test_an_outbox_backlog_over_the_limit_makes_the_server_unready(migrated):
    migrated.config["CIVIC_READY_OUTBOX_LIMIT"] = 2
    with migrated.app_context():
        for n in range(3):
            enqueue(f"person{n}@example.org", "Promemoria", "Testo")
        db.session.commit()
    client = migrated.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["outbox"] == {"status": "failed", "required": True, "due": 3, "limit": 2}
    migrated.config["CIVIC_READY_OUTBOX_LIMIT"] = 0  # the check turned off
    assert client.get("/readyz").status_code == 200


def test_redis_is_reported_but_a_server_without_it_still_serves(empty_database_url, redis_server,
                                                                monkeypatch):
    monkeypatch.setenv("CIVIC_REDIS_URL", redis_server.url)
    site = make_site(empty_database_url)
    try:
        client = site.test_client()
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json["checks"]["redis"] == {"status": "ok", "required": False}
        redis_server.stop()
        response = client.get("/readyz")
        assert response.status_code == 200 and response.json["status"] == "ready"
        assert response.json["checks"]["redis"] == {"status": "failed", "required": False,
                                                    "error": "unavailable"}
    finally:
        close_site(site)
