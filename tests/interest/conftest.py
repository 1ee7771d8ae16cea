"""Fixtures of the interest tests. Requests run outside any app context of the test (as in a browser), so
database work in a test happens inside `with in_app():` blocks."""
from __future__ import annotations

import contextlib
from types import SimpleNamespace

import pytest

from civic.database import db
from tests.factories import make_user
from tests.interest.factories import make_call


@pytest.fixture
def in_app(app):
    @contextlib.contextmanager
    def context():
        with app.app_context():
            yield
            db.session.remove()

    return context


def describe_call(call) -> SimpleNamespace:
    return SimpleNamespace(id=call.id, title=call.title, area_ids=[a.id for a in call.areas],
                           body_id=call.consultation.body_id, consultation_id=call.consultation_id)


@pytest.fixture
def call(in_app):
    """An open call asking for users and managers, with three areas."""
    with in_app():
        return describe_call(make_call())


@pytest.fixture
def citizen(in_app):
    with in_app():
        make_user(email="giulia@example.org", name="Giulia Rossi")
    return "giulia@example.org"
