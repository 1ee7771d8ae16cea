"""Public pages kept rendered for anonymous visitors: the second visitor costs no SQL, and nobody ever sees a
page older than the last change to the data, whoever made the change and in whichever server process."""
from __future__ import annotations

import datetime as dt
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text, update

from civic.core.pagecache import writes_public_data
from civic.database import db
from civic.motions.models import Motion
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import make_motion
from tests.motions.test_support import _browser, _token

TIMEOUT = 60


@pytest.fixture
def motion_id(app):
    with app.app_context():
        make_user("giulia@example.org", name="Giulia Parodi")
        return make_motion(make_body(), title="Spazi di coworking nei municipi").id


def test_second_anonymous_visit_runs_no_sql_and_shows_the_same_page(client, count_queries, motion_id):
    first = client.get(f"/motions/{motion_id}")
    with count_queries() as counter:
        second = client.get(f"/motions/{motion_id}")
    assert second.status_code == 200
    assert second.get_data() == first.get_data()
    assert "Spazi di coworking nei municipi" in second.get_data(as_text=True)
    assert counter.count == 0, counter.statements
    # The security headers are the ones every page gets.
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in second.headers


def test_a_change_through_the_orm_shows_at_once(app, client, motion_id):
    assert "Spazi di coworking nei municipi" in client.get("/motions/").get_data(as_text=True)
    with app.app_context():
        db.session.get(Motion, motion_id).title = "Coworking diffuso nei quartieri"
        db.session.commit()
    page = client.get("/motions/").get_data(as_text=True)
    assert "Coworking diffuso nei quartieri" in page and "Spazi di coworking nei municipi" not in page


def test_a_raw_sql_change_shows_at_once_and_a_rolled_back_one_never(app, client, motion_id):
    client.get(f"/motions/{motion_id}")
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(update(Motion).where(Motion.id == motion_id).values(title="Titolo annullato"))
            connection.rollback()
    assert "Spazi di coworking nei municipi" in client.get(f"/motions/{motion_id}").get_data(as_text=True)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE motions SET title = 'Titolo nuovo' WHERE id = :id"),
                               {"id": motion_id})
    assert "Titolo nuovo" in client.get(f"/motions/{motion_id}").get_data(as_text=True)


def test_logged_in_people_get_their_own_page(client, auth, motion_id):
    anonymous = client.get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Accedi per sostenere questa mozione" in anonymous
    auth.login("giulia@example.org", PASSWORD)
    mine = client.get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Giulia Parodi" in mine and "Sostieni questa mozione" in mine
    assert "Accedi per sostenere questa mozione" not in mine


def test_each_language_is_kept_apart(client, motion_id):
    italian = client.get("/motions/").get_data(as_text=True)
    english = client.get("/motions/?lang=en").get_data(as_text=True)
    assert 'lang="it"' in italian and "Mozioni" in italian
    assert 'lang="en"' in english and "Motions" in english
    # The English choice is remembered in the session: the next page is English too.
    assert 'lang="en"' in client.get("/motions/").get_data(as_text=True)
    assert client.get_cookie("civic_session") is not None


def test_a_log_in_does_not_throw_the_pages_away(client, auth, count_queries, motion_id):
    """Writes to tables no public page shows (sessions, audit log, outbox) keep the kept pages."""
    client.get(f"/motions/{motion_id}")
    other = client.application.test_client()
    other_auth = type(auth)(other)
    other_auth.login("giulia@example.org", PASSWORD)
    with count_queries() as counter:
        assert client.get(f"/motions/{motion_id}").status_code == 200
    assert counter.count == 0, counter.statements


def test_pages_expire_after_the_configured_seconds(app, client, count_queries, motion_id):
    client.get(f"/motions/{motion_id}")
    app.config["CIVIC_PAGE_CACHE_SECONDS"] = 0.2
    time.sleep(0.3)
    with count_queries() as counter:
        assert client.get(f"/motions/{motion_id}").status_code == 200
    assert counter.count > 0


def test_the_cache_can_be_turned_off(app, client, count_queries, motion_id):
    app.config["CIVIC_PAGE_CACHE_SECONDS"] = 0
    client.get(f"/motions/{motion_id}")
    with count_queries() as counter:
        client.get(f"/motions/{motion_id}")
    assert counter.count > 0


@pytest.mark.parametrize(("statement", "writes"), [
    ("SELECT * FROM motions", False),
    ("  select 1", False),
    ("INSERT INTO motion_supports (motion_id, user_id) VALUES (?, ?)", True),
    ('UPDATE "meetings" SET seats_taken=seats_taken + 1', True),
    ("DELETE FROM comments WHERE id = 3", True),
    ("INSERT INTO audit_log (action) VALUES (%(action)s)", False),
    ("UPDATE auth_sessions SET last_seen_at = now()", False),
    ("INSERT INTO outbox_messages (kind) VALUES ('x')", False),
    ("WITH gone AS (DELETE FROM comments RETURNING id) SELECT count(*) FROM gone", True),
    ("WITH recent AS (SELECT id FROM motions) SELECT count(*) FROM recent", False),
    ("ALTER TABLE motions ADD COLUMN x INTEGER", True),
])
def test_which_statements_change_public_pages(statement, writes):
    assert writes_public_data(statement) is writes


def _anonymous_pages(url: str, times: int) -> list[str]:
    def fetch(_n):
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.read().decode()

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(fetch, range(times)))


@pytest.mark.slow
def test_every_server_process_drops_its_page_when_another_process_changes_data(gunicorn_server, motion_id):
    page = f"{gunicorn_server.url}/motions/{motion_id}"
    before = _anonymous_pages(page, 24)  # enough visits for every one of the four workers to keep the page
    assert all("0 persone sostengono questa mozione." in html for html in before)
    browser = _browser()
    _status, login_page = browser(f"{gunicorn_server.url}/account/login")
    assert browser(f"{gunicorn_server.url}/account/login", {
        "email": "giulia@example.org", "password": PASSWORD, "csrf_token": _token(login_page)})[0] == 302
    _status, html = browser(page)
    assert browser(f"{page}/support", {"csrf_token": _token(html)})[0] == 302
    after = _anonymous_pages(page, 24)
    assert all("1 persona sostiene questa mozione." in html for html in after)


def test_filter_choices_follow_the_data_for_logged_in_people_too(app, client, auth, motion_id):
    """The topic and year choices are kept like the pages, and dropped like them when a motion is added."""
    auth.login("giulia@example.org", PASSWORD)
    assert "Mobilità sostenibile" not in client.get("/motions/").get_data(as_text=True)
    with app.app_context():
        make_motion(db.session.get(Motion, motion_id).body, topics=["Mobilità sostenibile"],
                    filed_on=dt.date(2019, 3, 1))
    page = client.get("/motions/").get_data(as_text=True)
    assert '<option value="Mobilità sostenibile">Mobilità sostenibile</option>' in page
    assert '<option value="2019">2019</option>' in page
