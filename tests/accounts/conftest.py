"""Fixtures of the account tests."""
from __future__ import annotations

import pytest

from tests.accounts.people import answer_surveys, build_scene


@pytest.fixture
def scene(app, client, auth):
    """Carla and the people around her (see people.build_scene), surveys answered; Carla is logged in."""
    with app.app_context():
        built = build_scene()
    answer_surveys(client, auth, built)
    return built
