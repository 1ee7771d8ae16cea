"""Login sessions end (ASVS 3.3): after CIVIC_SESSION_IDLE_MINUTES without a request (sliding), after an
absolute lifetime that is shorter for councillors and administrators, and a citizen may ask to be kept
logged in.
Cookies are secure by themselves on https; anonymous visitors get no session cookie."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from civic import create_app
from civic.accounts.auth import SEEN
from civic.accounts.models import AuthSession
from civic.audit.models import SecurityEvent
from civic.database import db, utcnow
from tests.conftest import TEST_CONFIG, csrf_token
from tests.factories import PASSWORD, make_body, make_user

COOKIE = "civic_session"


def log_in(client, email, remember=False):
    page = client.get("/account/login")
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))}
    if remember:
        data["remember"] = "y"
    response = client.post("/account/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def session_row(app) -> AuthSession:
    with app.app_context():
        row = db.session.scalars(select(AuthSession)).one()
        db.session.expunge(row)
        return row


def set_cookie_header(response) -> str:
    return next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(COOKIE + "="))


def age_session(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session[SEEN] = int(time.time()) - seconds


def test_a_session_idle_longer_than_the_limit_is_logged_out_and_its_row_ends(app, client):
    with app.app_context():
        make_user(email="carla@example.org")
    log_in(client, "carla@example.org")
    assert client.get("/account/").status_code == 200
    age_session(client, 31 * 60)
    response = client.get("/account/")
    assert response.status_code == 302 and "/account/login" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "Sei uscito dopo 30 minuti senza attività" in page
    with app.app_context():
        assert db.session.scalars(select(AuthSession)).all() == []
        assert db.session.scalars(select(SecurityEvent.kind).order_by(SecurityEvent.id)).all() == [
            "sign_in.success", "session.expired"]
    assert client.get("/account/").status_code == 302


def test_activity_slides_the_idle_end(app, client):
    with app.app_context():
        make_user(email="carla@example.org")
    log_in(client, "carla@example.org")
    age_session(client, 29 * 60)
    assert client.get("/account/").status_code == 200  # moves the last activity to now
    with client.session_transaction() as session:
        assert int(time.time()) - session[SEEN] < 5
    assert client.get("/account/").status_code == 200


def test_the_idle_limit_is_configurable(app, client):
    app.config["CIVIC_SESSION_IDLE_MINUTES"] = 5
    with app.app_context():
        make_user(email="carla@example.org")
    log_in(client, "carla@example.org")
    age_session(client, 6 * 60)
    assert client.get("/account/").status_code == 302


def test_staff_sessions_are_shorter_than_citizens_and_never_remembered(app, client):
    with app.app_context():
        body = make_body()
        make_user(email="carla@example.org")
        make_user(email="consigliere@example.org", councillor_of=body)
    log_in(client, "carla@example.org")
    citizen = session_row(app)
    lifetime = citizen.expires_at - citizen.created_at
    assert dt.timedelta(hours=11, minutes=59) < lifetime <= dt.timedelta(hours=12)
    other = app.test_client()
    response = log_in(other, "consigliere@example.org", remember=True)
    with app.app_context():
        staff = db.session.scalars(
            select(AuthSession).where(AuthSession.token_hash != citizen.token_hash)).one()
        assert staff.expires_at - staff.created_at <= dt.timedelta(hours=8) and not staff.remember
    assert "Expires=" not in set_cookie_header(response)  # dies with the browser


def test_an_expired_session_is_anonymous(app, client):
    with app.app_context():
        make_user(email="carla@example.org")
    log_in(client, "carla@example.org")
    with app.app_context():
        row = db.session.scalars(select(AuthSession)).one()
        row.expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    assert client.get("/account/").status_code == 302


def test_remember_me_gives_a_lasting_cookie_and_no_idle_end(app, client):
    with app.app_context():
        make_user(email="carla@example.org")
    response = log_in(client, "carla@example.org", remember=True)
    assert "Expires=" in set_cookie_header(response)
    row = session_row(app)
    assert row.remember and row.expires_at - row.created_at > dt.timedelta(days=29)
    age_session(client, 3 * 3600)
    assert client.get("/account/").status_code == 200


def test_without_remember_me_the_cookie_dies_with_the_browser(app, client):
    with app.app_context():
        make_user(email="carla@example.org")
    response = log_in(client, "carla@example.org")
    assert "Expires=" not in set_cookie_header(response)


@pytest.mark.parametrize("base_url,secure",
                         [("https://partecipa.example.it", True), ("http://localhost", False)])
def test_cookies_are_secure_by_themselves_on_https(instance_path, database_url, base_url, secure):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "CIVIC_BASE_URL": base_url})
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    response = app.test_client().get("/account/login")
    assert ("Secure" in set_cookie_header(response)) is secure


def test_anonymous_visitors_of_public_pages_get_no_session_cookie(client):
    for path in ("/", "/consultations/", "/motions/", "/meetings/"):
        response = client.get(path)
        assert response.status_code == 200
        assert not any(value.startswith(COOKIE) for value in response.headers.getlist("Set-Cookie")), path
