"""Odd input (NUL bytes, control characters, huge or non-ASCII text, wrong types) gets a clear answer, never a
500, and stores nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.bodies.models import Body
from civic.database import db
from tests.conftest import post_form
from tests.factories import PASSWORD, make_user

ODD = ["\x1b[31mred", "tab\there", "x" * 5000, "🙂 émoji ☃", "' OR 1=1 --", "<script>alert(1)</script>"]


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(Body)))


@pytest.mark.parametrize("value", ODD)
def test_public_forms_survive_odd_input(app, client, value):
    before = counts(app)
    answers = [
        post_form(client, "/account/register", {"email": value, "display_name": value, "password": value,
                                                "password_confirm": value, "privacy": value}),
        post_form(client, "/account/login", {"email": value, "password": value, "next": value}),
        post_form(client, "/account/reset", {"email": value}),
        client.get("/account/confirm/" + value.replace("/", "")),
        client.get("/account/reset/" + value.replace("/", "")),
        client.get("/", query_string={"lang": value, "page": value}),
    ]
    assert [r.status_code for r in answers if r.status_code >= 500] == []
    assert all(r.status_code in (200, 400, 404, 422) for r in answers), [r.status_code for r in answers]
    assert counts(app) == before
    assert "<script>alert(1)</script>" not in answers[0].get_data(as_text=True)


def test_a_control_character_in_a_name_is_refused(app, client):
    response = post_form(client, "/account/register", {
        "email": "bell@example.org", "display_name": "Bell\x07", "password": PASSWORD,
        "password_confirm": PASSWORD, "privacy": "y"})
    assert response.status_code == 422
    assert "Il nome non può contenere caratteri di controllo." in response.get_data(as_text=True)
    assert counts(app) == (0, 0)


def test_a_nul_byte_anywhere_is_a_bad_request(app, client, auth):
    register = post_form(client, "/account/register", {"email": "nul@example.org", "display_name": "Nu\x00ll",
                                                       "password": PASSWORD, "password_confirm": PASSWORD,
                                                       "privacy": "y"})
    with app.app_context():
        make_user(email="admin@example.org", admin=True)
    auth.login("admin@example.org")
    answers = [
        register,
        client.get("/manage/admin/users", query_string={"q": "a\x00b"}),
        client.get("/manage/admin/users", query_string={"a\x00b": "q"}),
        client.get("/account/confirm/a%00b"),
        post_form(client, "/manage/admin/bodies/new",
                  {"name": "N\x00", "slug": "n", "data_licence": "CC-BY-4.0"}),
    ]
    assert [r.status_code for r in answers] == [400] * len(answers)
    assert "Richiesta non valida" in answers[0].get_data(as_text=True)
    assert counts(app) == (1, 0)


@pytest.mark.parametrize("value", ODD)
def test_admin_forms_survive_odd_input(app, client, auth, value):
    with app.app_context():
        make_user(email="admin@example.org", admin=True)
    auth.login("admin@example.org")
    before = counts(app)
    answers = [
        client.get("/manage/admin/users", query_string={"q": value, "page": value}),
        post_form(client, "/manage/admin/bodies/new", {"name": value, "slug": value, "parent": value,
                                                       "website": value, "data_licence": value}),
        post_form(client, "/manage/admin/users/1/roles", {"role": value, "body": value, "action": value}),
    ]
    assert [r.status_code for r in answers] == [200, 422, 422]
    assert counts(app) == before
