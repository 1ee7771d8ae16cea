"""Redis stops answering: rate limits go on in memory (with a logged warning) and requests go on; a write
that committed is never answered as a failure; and the page cache's generation never goes back, so a Redis
that restarts empty, or from an older snapshot, or that stalls while a change is made, never brings back an
old page. Against a redis-server of this test only (tests/ops/servers.py), stopped or paused for real."""
from __future__ import annotations

import logging
import time

import pytest
import redis
import requests
from sqlalchemy import event, select

from civic import create_app
from civic.core.pagecache import REDIS_KEY
from civic.database import db
from civic.meetings.models import Registration
from civic.motions.models import Motion
from tests.conftest import TEST_CONFIG, csrf_token
from tests.factories import PASSWORD, make_body, make_user
from tests.meetings.factories import make_meeting
from tests.motions.factories import make_motion
from tests.ops.conftest import FAST_HASHING, close_site, rsvp, sign_in_over_http
from tests.support.servers import GunicornServer

# Each test starts its own servers (or AgID's tool against one): not in `make test-quick`.
pytestmark = pytest.mark.slow

TIMEOUT = 30
FALLBACK_WARNING = "falling back to in-memory storage"


@pytest.fixture
def redis_site(app, database_url, redis_server, monkeypatch):
    """The test database served by an app whose rate limits and page generation live in `redis_server`."""
    monkeypatch.setenv("CIVIC_REDIS_URL", redis_server.url)
    site = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "CIVIC_ARGON2": FAST_HASHING})
    yield site
    close_site(site)


def sign_in(client, email: str) -> None:
    page = client.get("/account/login").get_data(as_text=True)
    answer = client.post("/account/login", data={"email": email, "password": PASSWORD,
                                                 "csrf_token": csrf_token(page)})
    assert answer.status_code == 302


def test_an_rsvp_stored_while_redis_dies_is_answered_as_done_and_limits_go_on_in_memory(
        redis_site, redis_server, caplog):
    with redis_site.app_context():
        email = make_user().email
        meeting_id = make_meeting(capacity=10, title="Tavolo di lavoro").id
        engine = db.engine
    client = redis_site.test_client()
    sign_in(client, email)
    assert redis.Redis.from_url(redis_server.url).keys("LIMITS*")  # the sign-in was counted in Redis
    form = client.get(f"/meetings/{meeting_id}/register")
    token = csrf_token(form.get_data(as_text=True))

    def redis_dies(_connection):  # as the RSVP commits, before the answer is made
        redis_server.stop()

    event.listen(engine, "commit", redis_dies, once=True)
    with caplog.at_level(logging.WARNING):
        answer = client.post(f"/meetings/{meeting_id}/register", data={
            "csrf_token": token, "category": "cittadini", "accessibility_needs": "", "note": ""})
    assert answer.status_code == 302 and answer.location.endswith(f"/meetings/{meeting_id}/ticket")
    with redis_site.app_context():
        assert db.session.scalar(select(Registration.meeting_id)) == meeting_id
    assert any(FALLBACK_WARNING in record.getMessage() for record in caplog.records)

    # Without Redis, the limited pages go on, still limited (in this process's memory).
    ticket = client.get(answer.location)
    assert ticket.status_code == 200 and "Il tuo posto è confermato" in ticket.get_data(as_text=True)
    redis_site.config["CIVIC_LIMIT_RSVP"] = "2 per minute"
    again = [client.post(f"/meetings/{meeting_id}/register", data={"csrf_token": token}).status_code
             for _ in range(3)]
    assert again == [302, 302, 429]  # "already registered" twice, then "too many requests"


@pytest.mark.slow
def test_requests_go_on_under_gunicorn_while_redis_is_stopped(app, instance_path, database_url, redis_server):
    with app.app_context():
        email = make_user().email
        meetings = [make_meeting(title=f"Incontro {n}").id for n in range(10)]
        motion = make_motion(make_body(), title="Coworking nei municipi").id
    server = GunicornServer(instance_path, database_url, app.config["SECRET_KEY"], workers=2, extra_env={
        "CIVIC_REDIS_URL": redis_server.url, "CIVIC_RATELIMIT_ENABLED": "1"}).start()
    try:
        browser, visitor = sign_in_over_http(server.url, email), requests.Session()
        statuses, acknowledged = [], []
        for number, meeting in enumerate(meetings):
            if number == 4:
                redis_server.stop()
            form = browser.get(f"{server.url}/meetings/{meeting}/register", timeout=TIMEOUT)
            sent = rsvp(browser, server.url, meeting, form.text)
            page = visitor.get(f"{server.url}/motions/{motion}", timeout=TIMEOUT)
            statuses += [form.status_code, sent.status_code, page.status_code]
            assert "Coworking nei municipi" in page.text
            if sent.status_code == 302:
                acknowledged.append(meeting)
        # With Redis still down: signing in and asking for a password reset go on too.
        again = sign_in_over_http(server.url, email)
        form = again.get(f"{server.url}/account/reset", timeout=TIMEOUT).text
        reset = again.post(f"{server.url}/account/reset", timeout=TIMEOUT,
                           data={"email": email, "csrf_token": csrf_token(form)})
        statuses.append(reset.status_code)
        assert statuses and all(status < 400 for status in statuses), statuses
        assert acknowledged == meetings
        log = server.log()
        assert FALLBACK_WARNING in log and "page cache: Redis does not answer" in log
        assert "Traceback" not in log
    finally:
        server.stop()
    with app.app_context():
        assert sorted(db.session.scalars(select(Registration.meeting_id))) == sorted(meetings)


def _retitle(site, motion_id: int, title: str) -> None:
    with site.app_context():
        db.session.get(Motion, motion_id).title = title
        db.session.commit()


def test_after_redis_restarts_empty_visitors_never_get_a_page_older_than_the_data(redis_site, redis_server):
    with redis_site.app_context():
        motion_id = make_motion(make_body(), title="Prima versione").id
    visitor = redis_site.test_client()
    assert "Prima versione" in visitor.get(f"/motions/{motion_id}").get_data(as_text=True)  # kept
    _retitle(redis_site, motion_id, "Seconda versione")
    assert "Seconda versione" in visitor.get(f"/motions/{motion_id}").get_data(as_text=True)  # kept too

    redis_server.stop()
    redis_server.start()  # empty: a plain counter would climb again through the values pages were kept under
    time.sleep(1.1)  # past the pause after the failure, so Redis is asked again
    for _change in range(4):  # other changes, elsewhere on the site
        page = visitor.get(f"/motions/{motion_id}").get_data(as_text=True)
        assert "Seconda versione" in page and "Prima versione" not in page
        with redis_site.app_context():
            make_body()


def test_a_redis_restored_from_an_older_snapshot_does_not_bring_back_an_old_page(redis_site, redis_server):
    with redis_site.app_context():
        motion_id = make_motion(make_body(), title="Prima versione").id
    visitor = redis_site.test_client()
    visitor.get(f"/motions/{motion_id}")
    snapshot = redis.Redis.from_url(redis_server.url).get(REDIS_KEY)  # the page above was kept under it
    _retitle(redis_site, motion_id, "Seconda versione")
    assert "Seconda versione" in visitor.get(f"/motions/{motion_id}").get_data(as_text=True)

    redis.Redis.from_url(redis_server.url).set(REDIS_KEY, snapshot)
    page = visitor.get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Seconda versione" in page and "Prima versione" not in page


def test_a_change_made_while_redis_stalls_is_seen_once_it_answers_again(redis_site, redis_server):
    with redis_site.app_context():
        motion_id = make_motion(make_body(), title="Prima versione").id
    visitor = redis_site.test_client()
    visitor.get(f"/motions/{motion_id}")  # kept under the generation Redis still holds after the stall
    redis.Redis.from_url(redis_server.url).execute_command("CLIENT", "PAUSE", "1500", "ALL")
    _retitle(redis_site, motion_id, "Seconda versione")  # the generation cannot be moved now
    stalled = visitor.get(f"/motions/{motion_id}")  # rendered afresh meanwhile
    assert stalled.status_code == 200 and "Seconda versione" in stalled.get_data(as_text=True)
    time.sleep(2.0)
    page = visitor.get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Seconda versione" in page and "Prima versione" not in page
