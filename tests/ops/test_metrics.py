"""Prometheus metrics at /metrics: refused (as a missing page) to everyone but the configured addresses, and
to a request relayed by a proxy Civic does not trust; counting requests, page-cache hits and the outbox, with
the numbers features declare; summed over every gunicorn worker in multiprocess mode."""
from __future__ import annotations

import urllib.request

import pytest
from sqlalchemy import func, select

from civic import create_app
from civic.bodies.models import Body
from civic.config import read_networks
from civic.consultations.feature import feature as consultations
from civic.core.features import Feature, Metric
from civic.database import db, utcnow
from civic.outbox.models import MessageStatus
from civic.outbox.services import enqueue
from tests.conftest import TEST_CONFIG
from tests.factories import make_body
from tests.ops.conftest import TIMEOUT, close_site
from tests.ops.conftest import metric_value as value
from tests.support.servers import GunicornServer

OPERATOR = {"REMOTE_ADDR": "10.1.2.9"}


@pytest.fixture
def operators(app):
    app.config["CIVIC_METRICS_ALLOW"] = read_networks("10.1.2.0/24, ::1")
    return app


def scrape(client) -> str:
    response = client.get("/metrics", environ_base=OPERATOR)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return response.get_data(as_text=True)


def test_without_allowed_addresses_nobody_reads_the_metrics(client):
    for address in ("127.0.0.1", "10.1.2.9"):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 404
        assert "Pagina non trovata" in response.get_data(as_text=True)


def test_only_allowed_addresses_read_the_metrics_and_never_through_an_untrusted_proxy(operators, client):
    assert client.get("/metrics", environ_base=OPERATOR).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    for address in ("127.0.0.1", "10.1.3.9", "192.0.2.7"):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 404
    # Behind a proxy Civic was not told about, the address is the proxy's: whoever is behind it is refused.
    relayed = client.get("/metrics", environ_base=OPERATOR, headers={"X-Forwarded-For": "203.0.113.5"})
    assert relayed.status_code == 404


def test_requests_page_cache_and_outbox_are_counted(operators, client, app):
    before = scrape(client)
    client.get("/privacy")
    client.get("/privacy")
    client.get("/nowhere")
    with app.app_context():
        enqueue("a@example.org", "Promemoria", "Testo")
        enqueue("b@example.org", "Promemoria", "Testo")
        enqueue("c@example.org", "Promemoria", "Testo").status = MessageStatus.FAILED
        later = enqueue("d@example.org", "Promemoria", "Testo")
        later.next_attempt_at = utcnow().replace(year=utcnow().year + 1)
        db.session.commit()
    after = scrape(client)

    def grew(name, **labels) -> float:
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    assert grew("civic_http_requests_total", endpoint="core.privacy", method="GET", status="200") == 2
    assert grew("civic_http_requests_total", endpoint="unmatched", method="GET", status="404") == 1
    assert grew("civic_http_request_duration_seconds_count", endpoint="core.privacy", method="GET") == 2
    assert grew("civic_page_cache_lookups_total", result="miss") >= 1
    assert grew("civic_page_cache_lookups_total", result="hit") >= 1
    assert value(after, "civic_database_up") == 1
    assert value(after, "civic_outbox_messages", status="pending") == 3
    assert value(after, "civic_outbox_messages", status="failed") == 1
    assert value(after, "civic_outbox_messages", status="sent") == 0
    assert value(after, "civic_outbox_due_messages") == 2
    assert 0 <= value(after, "civic_outbox_oldest_due_seconds") < 60


def test_a_feature_declares_a_number_and_a_broken_one_hides_no_other(app, database_url):
    def broken():
        raise RuntimeError("this number cannot be read")

    def bodies():
        return db.session.scalar(select(func.count(Body.id)))

    census = Feature(name="census", metrics=(
        Metric("civic_test_bodies", "Bodies on the site.", bodies),
        Metric("civic_test_broken", "A number that fails.", broken),
        Metric("civic_test_people", "People by body.", lambda: {("genova",): 3, ("novi-ligure",): 5},
               labels=("body",)),
    ))
    site = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                       "CIVIC_METRICS_ALLOW": read_networks("10.1.2.9")}, features=[consultations, census])
    try:
        with site.app_context():
            make_body()
            make_body()
        text = scrape(site.test_client())
    finally:
        close_site(site)
    assert value(text, "civic_test_bodies") == 2
    assert value(text, "civic_test_people", body="novi-ligure") == 5
    assert value(text, "civic_test_broken") is None
    assert value(text, "civic_outbox_due_messages") == 0  # the platform's numbers are still there


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.mark.slow
def test_under_gunicorn_every_worker_answers_for_all_of_them(app, instance_path, database_url, tmp_path):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    server = GunicornServer(instance_path, database_url, app.config["SECRET_KEY"], workers=2, extra_env={
        "PROMETHEUS_MULTIPROC_DIR": str(shared), "CIVIC_METRICS_ALLOW": "127.0.0.1"}).start()
    try:
        for _ in range(20):
            assert _get(f"{server.url}/privacy")[0] == 200
        totals = set()
        for _ in range(6):  # whichever worker answers
            status, text = _get(f"{server.url}/metrics")
            assert status == 200
            totals.add(value(text, "civic_http_requests_total", endpoint="core.privacy", method="GET",
                             status="200"))
        assert totals == {20.0}
        assert len(list(shared.glob("*.db"))) >= 2  # one file per worker, summed by whoever answers
        assert _get(f"{server.url}/metrics", {"X-Forwarded-For": "203.0.113.5"})[0] == 404
    finally:
        server.stop()
