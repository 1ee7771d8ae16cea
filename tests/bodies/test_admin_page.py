"""The administrator's "New body" page: the service's refusals show next to their field, nothing is stored."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.bodies.models import Body
from civic.database import db
from tests.conftest import post_form
from tests.factories import make_body, make_user


@pytest.fixture
def admin(app, auth):
    with app.app_context():
        make_body("comune-di-genova", "Comune di Genova")
        make_user(email="admin@example.org", admin=True)
    auth.login("admin@example.org")


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Body.id)))


@pytest.mark.parametrize("name, slug, field, message", [
    ("   ", "spazi", "name", "Inserisci il nome."),
    ("Genova di nuovo", "comune-di-genova", "slug", "Questo nome breve è già usato da un altro ente."),
], ids=["blank-name", "taken-short-name"])
def test_a_refused_body_is_explained_next_to_its_field(app, client, admin, name, slug, field, message):
    response = post_form(client, "/manage/admin/bodies/new",
                         {"name": name, "slug": slug, "parent": "0", "data_licence": "CC-BY-4.0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert count(app) == 1
