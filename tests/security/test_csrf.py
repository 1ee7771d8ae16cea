"""CSRF on every state change: a POST without a token, with a forged one or with another browser's is refused
with a translated 400 page, and nothing changes."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.accounts.models import AuthSession, User
from civic.audit.models import AuditEntry
from civic.database import db
from tests.conftest import AuthActions, csrf_token
from tests.factories import PASSWORD, make_body, make_user
from tests.support.routes import rule_requests

REFUSED = "Il modulo è scaduto o non proviene da questo sito."
# Signed SAML messages that identity providers post cross-site (no cookie, no token): a single-use RelayState
# and the signatures protect them instead (tests/identity).
SAML_RECEIVERS = {"/cie/acs", "/cie/slo", "/spid/acs", "/spid/slo"}
# RFC 8058 one-click unsubscribe: mail clients POST without a cookie or token; the signed token in the address
# is the authority (tests/notifications).
ONE_CLICK = "/notifications/unsubscribe/"


@pytest.fixture
def admin(app, auth):
    with app.app_context():
        make_body(slug="comune-di-genova")
        user_id = make_user(email="admin@example.org", admin=True).id
        make_user(email="carlo@example.org")
    auth.login("admin@example.org")
    return user_id


def snapshot(app) -> dict:
    with app.app_context():
        return {
            "users": db.session.execute(select(User.email, User.password_hash, User.is_admin,
                                               User.email_confirmed_at).order_by(User.id)).all(),
            "sessions": db.session.scalar(select(func.count()).select_from(AuthSession)),
            "audit": db.session.scalar(select(func.count()).select_from(AuditEntry)),
        }


def test_every_post_outside_manage_needs_the_token(app, client, admin):
    """Walks the URL map, so forms that features add later are covered too (as an admin, who may do most)."""
    posts = rule_requests(app, lambda rule: "POST" in rule.methods, methods=("POST",))
    posts = [(method, path) for method, path in posts
             if path not in SAML_RECEIVERS and not path.startswith(ONE_CLICK)]
    assert ("POST", "/account/logout") in posts
    before = snapshot(app)
    wrong = []
    for _method, path in posts:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data=data)
            if response.status_code != 400 or REFUSED not in response.get_data(as_text=True):
                wrong.append(f"POST {path} {sorted(data)}: {response.status_code}")
    assert wrong == []
    assert snapshot(app) == before
    assert client.get("/account/").status_code == 200, "the refused logout did not log out"


@pytest.mark.parametrize("path, data", [
    ("/account/password", {"current_password": PASSWORD, "password": "a new password here",
                           "password_confirm": "a new password here"}),
    ("/account/email", {"email": "new@example.org", "current_password": PASSWORD}),
    ("/manage/admin/users/3/roles", {"role": "admin", "action": "grant", "body": "0"}),
    ("/manage/admin/bodies/new", {"name": "X", "slug": "x", "parent": "0", "data_licence": "CC-BY-4.0"}),
    ("/account/logout", {}),
])
def test_a_token_from_another_browser_is_refused(app, client, admin, path, data):
    stranger = app.test_client()
    foreign = csrf_token(stranger.get("/account/login").get_data(as_text=True))
    before = snapshot(app)
    response = client.post(path, data={**data, "csrf_token": foreign})
    assert response.status_code == 400
    assert REFUSED in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_registration_and_login_without_a_token_change_nothing(app, client):
    before = snapshot(app)
    register = client.post("/account/register", data={
        "email": "new@example.org", "display_name": "New", "password": PASSWORD, "password_confirm": PASSWORD,
        "privacy": "y"})
    assert register.status_code == 400
    with app.app_context():
        make_user(email="carla@example.org")
    login = client.post("/account/login", data={"email": "carla@example.org", "password": PASSWORD})
    assert login.status_code == 400
    assert client.get("/account/").status_code == 302
    assert snapshot(app)["sessions"] == before["sessions"] == 0
    english = client.post("/account/login?lang=en", data={})
    assert "Your form has expired or did not come from this site." in english.get_data(as_text=True)


def test_no_state_changes_on_get(app, client):
    """Logging out is POST only: a link or an image pointing at it cannot log anyone out."""
    with app.app_context():
        make_user(email="carla@example.org")
    AuthActions(client).login("carla@example.org")
    response = client.get("/account/logout")
    assert response.status_code == 405
    assert "Operazione non consentita" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 200
