"""Fixtures of the meetings tests."""
from __future__ import annotations

import pytest

from civic.database import db


@pytest.fixture
def ctx(app):
    """A request context (Italian, as a visitor's first page): services render e-mails and build links."""
    with app.test_request_context("/"):
        yield
        db.session.remove()
