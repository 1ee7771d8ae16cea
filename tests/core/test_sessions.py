"""The session cookie is checked once per process (civic/core/sessions.py): what a cookie already checked
still may not do."""
from __future__ import annotations

import time

from tests.factories import make_user

SIGNED_IN = b'action="/account/logout"'


def _cookie(client, app):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _signed_in(client) -> bool:
    page = client.get("/")
    assert page.status_code == 200
    return SIGNED_IN in page.data


def _signed_in_citizen(app, auth, client) -> str:
    with app.app_context():
        make_user(email="citizen@example.org")
    assert auth.login().status_code == 302
    assert _signed_in(client) and _signed_in(client)  # the second time from the cookie already checked
    return _cookie(client, app)


def test_an_altered_cookie_is_refused_though_the_original_was_checked_before(app, auth, client):
    cookie = _signed_in_citizen(app, auth, client)
    name = app.config["SESSION_COOKIE_NAME"]
    payload, _, rest = cookie.partition(".")[2].partition(".")
    for altered in (f".{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{rest}", cookie + "x", cookie[:-1]):
        client.set_cookie(name, altered)
        assert not _signed_in(client)
    client.set_cookie(name, cookie)
    assert _signed_in(client)


def test_a_checked_cookie_older_than_the_session_lifetime_is_refused(app, auth, client, monkeypatch):
    app.config["CIVIC_SESSION_IDLE_MINUTES"] = 10**7  # only the cookie's age may end this session here
    cookie = _signed_in_citizen(app, auth, client)
    lifetime = app.permanent_session_lifetime.total_seconds()
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + lifetime - 60)
    assert _signed_in(client)
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    monkeypatch.setattr(time, "time", lambda: now + lifetime + 60)
    page = client.get("/")
    assert SIGNED_IN not in page.data
    assert b"without activity" not in page.data and b"senza attivit" not in page.data


def test_cookies_checked_with_a_secret_key_that_changed_are_refused(app, auth, client):
    cookie = _signed_in_citizen(app, auth, client)
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another key, as after a rotation without fallback"
    assert not _signed_in(client)
    app.config["SECRET_KEY_FALLBACKS"] = [old]  # the rotation done right: the old key still checks
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    assert _signed_in(client)
