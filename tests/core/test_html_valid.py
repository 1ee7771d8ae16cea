"""The W3C Nu HTML checker finds no error in the foundation's pages (one run of vnu.jar for all of them)."""
from __future__ import annotations

import pytest

from tests.conftest import AuthActions, post_form
from tests.factories import make_body, make_user
from tests.support.checks import assert_valid_html


@pytest.mark.html
def test_foundation_pages_are_valid_html(app, client):
    with app.app_context():
        body = make_body(name="Comune di Genova")
        make_user(email="admin@example.org", name="Ada Admin", admin=True, councillor_of=body)
        make_user(email="new@example.org", confirmed=False)
    pages = {
        "home": client.get("/"),
        "home (en)": client.get("/?lang=en"),
        "login": client.get("/account/login?lang=it"),
        "register": client.get("/account/register"),
        "register with errors": post_form(client, "/account/register", {"email": "x", "password": "short"}),
        "reset": client.get("/account/reset"),
        "privacy": client.get("/privacy"),
        "accessibility": client.get("/accessibility"),
        "not found": client.get("/no-such-page"),
        "bad link": client.get("/account/confirm/made-up"),
    }
    unconfirmed = app.test_client()
    AuthActions(unconfirmed).login("new@example.org")
    pages["profile (unconfirmed)"] = unconfirmed.get("/account/")
    AuthActions(client).login("admin@example.org")
    pages.update({
        "profile": client.get("/account/"),
        "change password": client.get("/account/password"),
        "change e-mail": client.get("/account/email"),
        "manage": client.get("/manage/"),
        "admin users": client.get("/manage/admin/users"),
        "admin roles": client.get("/manage/admin/users/1/roles"),
        "admin bodies": client.get("/manage/admin/bodies"),
        "admin new body": client.get("/manage/admin/bodies/new"),
        "admin audit": client.get("/manage/admin/audit"),
        "admin security events": client.get("/manage/admin/security?kind=sign_in.success&start=2026-01-01"),
        "admin security events, bad dates": client.get("/manage/admin/security?start=2026-03-12&end=2026-03"),
    })
    statuses = {name: response.status_code for name, response in pages.items()}
    assert (statuses["not found"] == 404 and statuses["bad link"] == 400
            and statuses["register with errors"] == 422)
    assert_valid_html({name: response.get_data(as_text=True) for name, response in pages.items()})
