"""Deny by default: every URL under /manage/, including those features add later, walked from app.url_map.

anonymous -> to the login page; citizen -> 403 everywhere; councillor -> 403 under /manage/admin/.
POSTs carry no CSRF token: the guard runs first and must answer before CSRF does.
"""
from __future__ import annotations

import pytest

from tests.conftest import AuthActions
from tests.factories import make_body, make_user
from tests.support.routes import rule_requests

ADMIN_PREFIX = "/manage/admin"


def manage_requests(app) -> list[tuple[str, str]]:
    return rule_requests(app, lambda rule: rule.rule == "/manage" or rule.rule.startswith("/manage/"))


def client_for(app, role: str | None):
    client = app.test_client()
    if role is not None:
        with app.app_context():
            body = make_body()
            make_user(email=f"{role}@example.org", councillor_of=body if role == "councillor" else None)
        assert AuthActions(client).login(f"{role}@example.org").status_code == 302
    return client


def call(client, method: str, path: str):
    return client.open(path, method=method, data={} if method == "POST" else None)


@pytest.fixture
def requests(app):
    found = manage_requests(app)
    paths = {path for _method, path in found}
    assert {"/manage/", "/manage/admin/users", "/manage/admin/users/1/roles"} <= paths
    return found


def test_anonymous_visitors_are_sent_to_log_in(app, requests):
    client = client_for(app, None)
    wrong = []
    for method, path in requests:
        response = call(client, method, path)
        if response.status_code != 302 or "/account/login" not in response.location:
            wrong.append(f"{method} {path}: {response.status_code} {response.location}")
    assert wrong == []


def test_citizens_are_refused_everywhere(app, requests):
    client = client_for(app, "citizen")
    wrong = [f"{method} {path}: {status}" for method, path in requests
             if (status := call(client, method, path).status_code) != 403]
    assert wrong == []


def test_councillors_are_refused_in_the_administration(app, requests):
    client = client_for(app, "councillor")
    admin_requests = [(m, p) for m, p in requests if p.startswith(ADMIN_PREFIX)]
    assert admin_requests
    wrong = [f"{method} {path}: {status}" for method, path in admin_requests
             if (status := call(client, method, path).status_code) != 403]
    assert wrong == []
    assert client.get("/manage/").status_code == 200


def test_a_refusal_is_a_translated_page(app):
    client = client_for(app, "citizen")
    response = client.get("/manage/")
    assert response.status_code == 403
    assert "Accesso negato" in response.get_data(as_text=True)
    assert "Access denied" in client.get("/manage/?lang=en").get_data(as_text=True)


def test_the_manage_link_shows_only_to_those_who_may_follow_it(app):
    citizen = client_for(app, "citizen").get("/").get_data(as_text=True)
    councillor = client_for(app, "councillor").get("/").get_data(as_text=True)
    assert 'href="/manage/"' not in citizen
    assert 'href="/manage/"' in councillor and 'href="/manage/admin/users"' not in councillor
