"""Fixtures of the results tests."""
from __future__ import annotations

import pytest

from civic.database import db
from tests.factories import PASSWORD, make_body, make_user
from tests.results import factories as f


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def councillor_survey(app, client, auth):
    """A generated survey of 120 responses, and the client logged in as a councillor of its body."""
    with app.app_context():
        body = make_body()
        make_user(email="councillor@example.org", councillor_of=body)
        g = f.make_generated(120, seed=5, consultation=f.make_consultation(body=body))
    auth.login("councillor@example.org", PASSWORD)
    return g
