"""Fixtures of the outbox tests."""
from __future__ import annotations

import pytest

from tests.outbox.smtp import FaultySink


@pytest.fixture
def sink(app):
    """A real SMTP server that tests can stop, restart, slow down or make hold a message; the app uses it."""
    server = FaultySink().start()
    app.config["CIVIC_SMTP_URL"] = server.url
    yield server
    server.stop()
