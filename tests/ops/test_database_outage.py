"""The database stops answering and comes back: people get a translated 503 page with Retry-After (signed-in
people too, whose page used to fail a second time), anonymous visitors still get the public pages Civic kept,
and when the database returns the same servers answer again, without a restart and without losing a write
they said was done. Against a PostgreSQL server of this module only (tests/ops/servers.py), stopped for
real."""
from __future__ import annotations

import time
import urllib.request

import pytest
from sqlalchemy import select

from civic.config import read_networks
from civic.database import db
from civic.meetings.models import Registration
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user
from tests.meetings.factories import make_meeting
from tests.ops.conftest import FAST_HASHING, close_site, make_site, rsvp, sign_in_over_http
from tests.ops.conftest import metric_value as value
from tests.support.servers import GunicornServer

# Each test starts its own servers (or AgID's tool against one): not in `make test-quick`.
pytestmark = pytest.mark.slow

UNAVAILABLE_IT = "Servizio temporaneamente non disponibile"
UNAVAILABLE_EN = "Service temporarily unavailable"
TIMEOUT = 30


@pytest.fixture(scope="module")
def outage_site(postgres_cluster):
    site = make_site(postgres_cluster.create_database("civic_outage"))
    with site.app_context():
        make_user("giulia@example.org", name="Giulia Parodi")
    yield site
    close_site(site)


def signed_in(site, language: str = "it"):
    client = site.test_client()
    client.get(f"/?lang={language}")
    page = client.get("/account/login")
    answer = client.post("/account/login", data={"email": "giulia@example.org", "password": PASSWORD,
                                                 "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert answer.status_code == 302
    return client


def test_with_the_database_stopped_people_get_a_translated_503_and_kept_pages_still_serve(
        outage_site, postgres_cluster):
    italian, english = signed_in(outage_site), signed_in(outage_site, "en")
    assert "Giulia Parodi" in italian.get("/").get_data(as_text=True)
    visitor = outage_site.test_client()
    kept = visitor.get("/privacy").get_data()

    postgres_cluster.stop()
    try:
        # A page the cache kept for anonymous visitors: served as before.
        again = visitor.get("/privacy")
        assert again.status_code == 200 and again.get_data() == kept
        # A page that needs the database: 503, Retry-After, the error page in the reader's language.
        fresh = visitor.get("/motions/")
        assert fresh.status_code == 503
        assert fresh.headers["Retry-After"] == "30"
        assert UNAVAILABLE_IT in fresh.get_data(as_text=True)
        for client, words in ((italian, UNAVAILABLE_IT), (english, UNAVAILABLE_EN)):
            page = client.get("/")
            assert page.status_code == 503 and page.headers["Retry-After"] == "30"
            assert words in page.get_data(as_text=True)
            # The whole site's page (header, menu), drawn without loading the person from the database.
            assert 'id="main-content"' in page.get_data(as_text=True)
        api = visitor.get("/api/v1/bodies")
        assert api.status_code == 503 and api.headers["Retry-After"] == "30"
        assert api.json["status"] == 503 and api.json["error"] == UNAVAILABLE_IT  # a problem document
        assert outage_site.test_client().get("/healthz").status_code == 200
        ready = outage_site.test_client().get("/readyz")
        assert ready.status_code == 503 and ready.headers["Retry-After"] == "30"
        assert ready.json["checks"]["database"]["status"] == "failed"
        # Operators see it: the database is down, and the failed requests are counted by cause.
        outage_site.config["CIVIC_METRICS_ALLOW"] = read_networks("127.0.0.1")
        text = visitor.get("/metrics").get_data(as_text=True)
        assert value(text, "civic_database_up") == 0
        assert value(text, "civic_http_errors_total", endpoint="core.home", cause="database") >= 2
        assert value(text, "civic_outbox_due_messages") is None  # not read without a database
    finally:
        postgres_cluster.start()

    # Back, with nothing restarted: the same clients, still signed in.
    page = italian.get("/")
    assert page.status_code == 200 and "Giulia Parodi" in page.get_data(as_text=True)
    assert visitor.get("/motions/").status_code == 200


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_gunicorn_answers_503_while_the_database_is_down_then_recovers_and_keeps_every_acknowledged_rsvp(
        postgres_cluster, tmp_path):
    url = postgres_cluster.create_database("civic_served")
    site = make_site(url)
    with site.app_context():
        person = make_user("marco@example.org", name="Marco Rossi")
        person_id = person.id
        meetings = [make_meeting(title=f"Incontro {n}").id for n in range(24)]
    close_site(site)
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(f"CIVIC_ARGON2 = {FAST_HASHING!r}\n")
    server = GunicornServer(instance, url, "a-secret-key-for-this-test-only-0123456789", workers=2).start()
    try:
        browser = sign_in_over_http(server.url, "marco@example.org")

        acknowledged, already, outage_pages = set(), set(), []
        stopped_at = restarted_at = None
        pending = list(meetings)
        deadline = time.monotonic() + 120
        while pending and time.monotonic() < deadline:
            if stopped_at is None and len(acknowledged) == 8:
                postgres_cluster.stop()
                stopped_at = time.monotonic()
            if stopped_at and restarted_at is None and time.monotonic() - stopped_at > 2:
                postgres_cluster.start()
                restarted_at = time.monotonic()
            meeting = pending[0]
            form = browser.get(f"{server.url}/meetings/{meeting}/register", timeout=TIMEOUT,
                               allow_redirects=False)
            if form.status_code == 503:
                outage_pages.append(form)
                time.sleep(0.1)
                continue
            if form.status_code == 302:  # "already registered": an earlier answer was lost, not the write
                already.add(pending.pop(0))
                continue
            assert form.status_code == 200, form.status_code
            sent = rsvp(browser, server.url, meeting, form.text)
            if sent.status_code == 503:
                outage_pages.append(sent)
                continue
            assert sent.status_code == 302, sent.status_code
            acknowledged.add(pending.pop(0))

        assert restarted_at is not None and not pending, "the run did not finish in time"
        assert outage_pages, "no request met the outage"
        for page in outage_pages:
            assert page.headers["Retry-After"] == "30"
            assert UNAVAILABLE_IT in page.text
        assert server.process.poll() is None  # the same servers answered throughout
        assert _get(f"{server.url}/readyz") == 200
        log = server.log()
        assert "Traceback" not in log and "Request finalizing failed" not in log
        assert "database unavailable on" in log
    finally:
        server.stop()

    site = make_site(url, migrate=False)
    with site.app_context():
        stored = set(db.session.scalars(
            select(Registration.meeting_id).where(Registration.user_id == person_id)))
    close_site(site)
    assert acknowledged <= stored  # no RSVP answered "done" was lost
    assert stored == set(meetings) == acknowledged | already


@pytest.mark.parametrize("ping_after", [0, 30])
def test_after_a_quick_restart_of_the_database_one_request_at_most_meets_the_old_connection(
        postgres_cluster, ping_after):
    """Pooled connections are tested only after CIVIC_DATABASE_PING_AFTER_SECONDS idle (civic/core/
    outages.py): with 0 every one is, and a restart costs nothing; with 30, the first request after a
    restart may meet the dead connection and get the 503 page (never a 500), and the next one has a new
    connection."""
    site = make_site(postgres_cluster.create_database(f"civic_ping_{ping_after}"),
                     CIVIC_DATABASE_PING_AFTER_SECONDS=ping_after)
    try:
        visitor = site.test_client()
        assert visitor.get("/motions/?page=1").status_code == 200
        postgres_cluster.stop()
        postgres_cluster.start()
        first = visitor.get("/motions/?page=2")
        if ping_after == 0:
            assert first.status_code == 200
        else:  # the rate limiter's counters may be the ones to meet it, and fall back to memory for a moment
            assert first.status_code in (200, 503)
            if first.status_code == 503:
                assert first.headers["Retry-After"] == "30" and UNAVAILABLE_IT in first.get_data(as_text=True)
        assert visitor.get("/motions/?page=3").status_code == 200
    finally:
        close_site(site)


def test_a_busy_connection_is_not_pinged_before_each_request(outage_site):
    """The saving: requests that follow each other closely reuse the connection without a test round trip."""
    with outage_site.app_context():
        dialect = db.engine.dialect
    pings = []
    original = dialect.do_ping
    dialect.do_ping = lambda connection: pings.append(1) or original(connection)
    try:
        visitor = outage_site.test_client()
        for page in range(1, 4):  # the pooled connections, idle since the tests before: pinged
            assert visitor.get(f"/motions/?page={page}").status_code == 200
        assert pings
        pings.clear()
        for page in range(4, 9):
            assert visitor.get(f"/motions/?page={page}").status_code == 200
    finally:
        del dialect.do_ping
    assert pings == []
