"""Logging in and out: fresh session identifiers, dead cookies, no enumeration, rate limits, safe `next`."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from civic.accounts.auth import safe_next
from civic.accounts.models import AuthSession, User
from civic.database import db
from tests.conftest import csrf_token, post_form
from tests.factories import PASSWORD, make_user

COOKIE = "civic_session"


@pytest.fixture
def citizen(app):
    """The id of a confirmed citizen with the factory password."""
    with app.app_context():
        return make_user(email="citizen@example.org", name="Carla").id


def cookie(client) -> str | None:
    found = client.get_cookie(COOKIE)
    return found.value if found else None


def with_cookie(app, value: str):
    """Another browser that was handed a copy of a session cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


def logged_in(client) -> bool:
    return client.get("/account/").status_code == 200


def session_hashes(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(AuthSession.token_hash)))


def test_logging_in_starts_a_new_session_and_a_cookie_from_before_stays_anonymous(app, client, auth, citizen):
    client.get("/account/login")
    before = cookie(client)
    assert before is not None
    auth.login()
    after = cookie(client)
    assert after != before
    assert logged_in(client)
    assert not logged_in(with_cookie(app, before))
    assert len(session_hashes(app)) == 1


def test_each_login_gets_its_own_identifier(app, client, auth, citizen):
    auth.login()
    first = session_hashes(app)
    auth.logout()
    auth.login()
    second = session_hashes(app)
    assert len(first) == len(second) == 1 and first != second


def test_logging_in_again_ends_the_previous_session(app, client, auth, citizen):
    auth.login()
    old = cookie(client)
    auth.login()
    assert logged_in(client)
    assert not logged_in(with_cookie(app, old))
    assert len(session_hashes(app)) == 1


def test_a_copied_cookie_is_dead_after_logout(app, client, auth, citizen):
    auth.login()
    copy = cookie(client)
    assert logged_in(with_cookie(app, copy))
    response = auth.logout()
    assert response.status_code == 302
    assert "Hai chiuso la sessione." in client.get("/").get_data(as_text=True)
    assert not logged_in(client)
    assert not logged_in(with_cookie(app, copy))
    assert session_hashes(app) == set()


def test_a_password_change_ends_every_other_session(app, client, auth, citizen):
    auth.login()
    copy = cookie(client)
    laptop = app.test_client()
    laptop_auth = type(auth)(laptop)
    laptop_auth.login()
    new = "a brand new passphrase"
    response = post_form(client, "/account/password",
                         {"current_password": PASSWORD, "password": new, "password_confirm": new})
    assert response.status_code == 302
    assert logged_in(client)
    assert cookie(client) != copy
    assert not logged_in(with_cookie(app, copy))
    assert not logged_in(laptop)
    assert len(session_hashes(app)) == 1


def test_a_wrong_current_password_changes_nothing(app, client, auth, citizen):
    auth.login()
    with app.app_context():
        before = db.session.get(User, citizen).password_hash
    response = post_form(client, "/account/password", {"current_password": "not my password at all",
                                                        "password": "a brand new passphrase",
                                                        "password_confirm": "a brand new passphrase"})
    assert response.status_code == 422
    assert "La password attuale non è corretta." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, citizen).password_hash == before
    assert logged_in(client)


def _normalised(html: str, email: str) -> str:
    html = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)
    return html.replace(email, "EMAIL")


def test_login_answers_the_same_for_an_unknown_address_and_a_wrong_password(app, client, auth, citizen):
    wrong = auth.login("citizen@example.org", "not the right password")
    unknown = auth.login("nobody@example.org", "not the right password")
    assert wrong.status_code == unknown.status_code == 422
    assert "Indirizzo e-mail o password non corretti." in wrong.get_data(as_text=True)
    assert _normalised(wrong.get_data(as_text=True), "citizen@example.org") == \
        _normalised(unknown.get_data(as_text=True), "nobody@example.org")


def test_twenty_wrong_passwords_in_a_row_are_stopped_without_harm(app, client, auth, citizen):
    with app.app_context():
        before = db.session.get(User, citizen).password_hash
    codes = [auth.login("citizen@example.org", f"wrong password number {n}").status_code for n in range(20)]
    assert set(codes) <= {422, 429}
    assert codes[0] == 422 and codes[-1] == 429
    limited = auth.login("citizen@example.org", PASSWORD)
    assert limited.status_code == 429, "the right password must not slip through while limited"
    assert "Troppe richieste" in limited.get_data(as_text=True)
    assert not logged_in(client)
    assert session_hashes(app) == set()
    with app.app_context():
        assert db.session.get(User, citizen).password_hash == before


def test_an_inactive_account_cannot_log_in_and_its_sessions_stop(app, client, auth, citizen):
    auth.login()
    with app.app_context():
        db.session.get(User, citizen).is_active_account = False
        db.session.commit()
    assert not logged_in(client)
    assert auth.login().status_code == 422


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
     "javascript:alert(1)", "evil.example/path", "http:/evil.example", "", None],
)
def test_next_refuses_anything_that_leaves_the_site(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/account/", "/manage/?page=2", "/consultations/piazza-rossa#comments"])
def test_next_accepts_paths_of_this_site(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example/x"])
def test_login_never_sends_anyone_off_the_site(client, citizen, target):
    page = client.get("/account/login", query_string={"next": target})
    assert re.search(r'<input id="next" name="next" type="hidden" value="">', page.get_data(as_text=True))
    response = client.post("/account/login", data={
        "email": "citizen@example.org", "password": PASSWORD, "next": target,
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert response.location == "/"


def test_login_returns_to_the_page_that_asked_for_it(client, citizen):
    asked = client.get("/account/")
    assert asked.status_code == 302 and "next=" in asked.location
    page = client.get(asked.location)
    assert 'value="/account/"' in page.get_data(as_text=True)
    response = client.post("/account/login", data={
        "email": "CITIZEN@example.org ", "password": PASSWORD, "next": "/account/",
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.location == "/account/"
