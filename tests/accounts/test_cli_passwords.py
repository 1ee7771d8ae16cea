"""`flask --app civic users create --password ...` follows the password policy of civic.accounts.passwords,
as the registration form does: the same shortest and longest length."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from civic.database import db


def emails(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(User.email)))


@pytest.mark.parametrize("length", [MIN_LENGTH - 1, MAX_LENGTH + 1], ids=["one-too-short", "one-too-long"])
def test_a_password_outside_the_policy_is_refused_with_its_limits(app, runner, length):
    result = runner.invoke(args=["users", "create", "someone@example.org", "--password", "x" * length])
    assert result.exit_code == 2
    assert f"between {MIN_LENGTH} and {MAX_LENGTH} characters" in result.output
    assert emails(app) == []


@pytest.mark.parametrize("length", [MIN_LENGTH, MAX_LENGTH], ids=["shortest", "longest"])
def test_a_password_at_the_limits_is_accepted_and_works(app, runner, auth, length):
    password = ("walnut river at dawn " * 7)[:length]
    result = runner.invoke(args=["users", "create", "someone@example.org", "--password", password])
    assert result.exit_code == 0, result.output
    assert auth.login("someone@example.org", password).status_code == 302


def test_a_generated_password_is_long_enough_to_sign_in(app, runner, auth):
    result = runner.invoke(args=["users", "create", "someone@example.org"])
    password = result.output.split("password (shown once): ")[1].strip()
    assert MIN_LENGTH <= len(password) <= MAX_LENGTH
    assert auth.login("someone@example.org", password).status_code == 302
