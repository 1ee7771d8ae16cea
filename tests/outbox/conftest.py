"""Fixtures of the outbox tests."""
from __future__ import annotations

import pytest

from tests.factories import make_user
from tests.outbox.helpers import ADMIN, messages_in_every_state
from tests.outbox.smtp import FaultySink


@pytest.fixture
def sink(app):
    """A real SMTP server that tests can stop, restart, slow down or make hold a message; the app uses it."""
    server = FaultySink().start()
    app.config["CIVIC_SMTP_URL"] = server.url
    yield server
    server.stop()


@pytest.fixture
def outbox(app):
    """One message in each state an administrator may meet; their ids by state."""
    return messages_in_every_state(app)


@pytest.fixture
def admin_account(app):
    with app.app_context():
        make_user(ADMIN, name="Ada Admin", admin=True)
