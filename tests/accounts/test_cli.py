"""`flask --app civic users create EMAIL --role ... [--body SLUG]`."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.audit.models import AuditEntry
from civic.database import db
from tests.factories import make_body


@pytest.fixture
def body(app):
    with app.app_context():
        return make_body(slug="comune-di-novi-ligure", name="Comune di Novi Ligure").slug


def accounts(app) -> list[User]:
    with app.app_context():
        users = db.session.scalars(select(User).order_by(User.id)).unique().all()
        for user in users:
            _ = [seat.body.slug for seat in user.councillorships]
        db.session.expunge_all()
        return users


def test_a_citizen_is_created_confirmed_with_a_password_shown_once(app, runner, auth):
    result = runner.invoke(args=["users", "create", "Citizen@Example.org"])
    assert result.exit_code == 0, result.output
    assert "created citizen@example.org (citizen)" in result.output
    password = result.output.split("password (shown once): ")[1].strip()
    [user] = accounts(app)
    assert user.is_confirmed and not user.is_admin and not user.is_councillor
    assert auth.login("citizen@example.org", password).status_code == 302


def test_a_councillor_belongs_to_the_body_given(app, runner, body, auth):
    result = runner.invoke(args=["users", "create", "cons@example.org", "--role", "councillor",
                                 "--body", body, "--name", "Consigliera Novi",
                                 "--password", "a password for the council"])
    assert result.exit_code == 0, result.output
    assert "shown once" not in result.output
    [user] = accounts(app)
    assert user.display_name == "Consigliera Novi"
    assert [seat.body.slug for seat in user.councillorships] == [body]
    auth.login("cons@example.org", "a password for the council")
    assert auth._client.get("/manage/").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action)) == "role.grant"


def test_an_admin(app, runner):
    result = runner.invoke(args=["users", "create", "boss@example.org", "--role", "admin"])
    assert result.exit_code == 0, result.output
    [user] = accounts(app)
    assert user.is_admin and not user.is_councillor


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "councillor"], "a councillor belongs to a body: add --body SLUG"),
        (["--role", "councillor", "--body", "comune-di-nowhere"], "no body with slug 'comune-di-nowhere'"),
        (["--password", "short"], "between 12 and 128 characters"),
        (["--role", "mayor"], "Invalid value for '--role'"),
    ],
    ids=["councillor-without-body", "unknown-body", "short-password", "unknown-role"],
)
def test_bad_arguments_are_refused_and_create_nothing(app, runner, body, args, message):
    result = runner.invoke(args=["users", "create", "someone@example.org", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert accounts(app) == []


def test_a_bad_or_taken_address_is_refused(app, runner):
    bad = runner.invoke(args=["users", "create", "not-an-address"])
    assert bad.exit_code == 2 and "not a valid e-mail address" in bad.output
    runner.invoke(args=["users", "create", "once@example.org"])
    taken = runner.invoke(args=["users", "create", "ONCE@example.org"])
    assert taken.exit_code == 1 and "già in uso" in taken.output
    assert [u.email for u in accounts(app)] == ["once@example.org"]
