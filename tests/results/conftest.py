"""Fixtures of the results tests."""
from __future__ import annotations

import pytest

from civic.database import db


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()
