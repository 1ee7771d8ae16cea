"""The administration pages: granting and revoking roles (with audit entries), bodies, the account list."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import Councillorship, User
from civic.audit.models import AuditEntry
from civic.bodies.models import Body
from civic.database import db
from tests.conftest import AuthActions, post_form
from tests.factories import make_body, make_user


@pytest.fixture
def people(app, auth):
    """An admin (logged in on `client`), a citizen and a body; returns their ids."""
    with app.app_context():
        body = make_body(slug="municipio-ix-levante", name="Municipio IX Levante")
        admin = make_user(email="admin@example.org", name="Ada Admin", admin=True)
        citizen = make_user(email="carlo@example.org", name="Carlo Cittadino")
        ids = {"body": body.id, "admin": admin.id, "citizen": citizen.id}
    auth.login("admin@example.org")
    return ids


def roles_url(user_id: int) -> str:
    return f"/manage/admin/users/{user_id}/roles"


def change_role(client, user_id, role, action, body=0):
    return post_form(client, roles_url(user_id), {"role": role, "body": str(body), "action": action})


def audit(app) -> list[tuple[str, int | None, int | None, str]]:
    with app.app_context():
        return [(e.action, e.actor_id, e.object_id, e.summary)
                for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def status_for(app, email: str, path: str) -> int:
    other = app.test_client()
    AuthActions(other).login(email)
    return other.get(path).status_code


def test_granting_and_revoking_a_councillor_seat(app, client, people):
    assert status_for(app, "carlo@example.org", "/manage/") == 403
    granted = change_role(client, people["citizen"], "councillor", "grant", people["body"])
    assert granted.status_code == 302
    page = client.get(granted.location).get_data(as_text=True)
    assert "Ruoli di Carlo Cittadino aggiornati." in page
    assert "Consigliere di Municipio IX Levante" in page
    assert status_for(app, "carlo@example.org", "/manage/") == 200
    assert status_for(app, "carlo@example.org", "/manage/admin/users") == 403

    revoked = change_role(client, people["citizen"], "councillor", "revoke", people["body"])
    assert revoked.status_code == 302
    assert status_for(app, "carlo@example.org", "/manage/") == 403
    assert audit(app) == [
        ("role.grant", people["admin"], people["citizen"], "councillor of municipio-ix-levante"),
        ("role.revoke", people["admin"], people["citizen"], "councillor of municipio-ix-levante"),
    ]


def test_granting_and_revoking_the_admin_role(app, client, people):
    change_role(client, people["citizen"], "admin", "grant")
    assert status_for(app, "carlo@example.org", "/manage/admin/users") == 200
    change_role(client, people["citizen"], "admin", "revoke")
    assert status_for(app, "carlo@example.org", "/manage/admin/users") == 403
    assert [(a, obj, s) for a, _, obj, s in audit(app)] == [
        ("role.grant", people["citizen"], "admin"), ("role.revoke", people["citizen"], "admin")]


def test_an_admin_cannot_drop_their_own_admin_role(app, client, people):
    response = change_role(client, people["admin"], "admin", "revoke")
    assert response.status_code == 422
    assert "Non puoi rimuovere il tuo stesso ruolo di amministratore." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, people["admin"]).is_admin
    assert audit(app) == []


def test_a_councillor_seat_needs_a_body_and_cannot_be_granted_twice(app, client, people):
    no_body = change_role(client, people["citizen"], "councillor", "grant", 0)
    assert "Scegli l&#39;ente a cui appartiene il consigliere." in no_body.get_data(as_text=True) or \
        "Scegli l'ente a cui appartiene il consigliere." in no_body.get_data(as_text=True)
    change_role(client, people["citizen"], "councillor", "grant", people["body"])
    twice = change_role(client, people["citizen"], "councillor", "grant", people["body"])
    assert "Carlo Cittadino è già consigliere di Municipio IX Levante." in twice.get_data(as_text=True)
    not_one = change_role(client, people["admin"], "councillor", "revoke", people["body"])
    assert "Ada Admin non è consigliere di Municipio IX Levante." in not_one.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(Councillorship)).all()) == 1
    assert len(audit(app)) == 1


def test_a_made_up_body_or_role_changes_nothing(app, client, people):
    for data in ({"role": "councillor", "body": "999", "action": "grant"},
                 {"role": "mayor", "body": "0", "action": "grant"},
                 {"role": "councillor", "body": "not a number", "action": "grant"}):
        response = post_form(client, roles_url(people["citizen"]), data)
        assert response.status_code == 422
    assert audit(app) == []
    assert client.get(roles_url(12345)).status_code == 404


def test_creating_a_body(app, client, people):
    created = post_form(client, "/manage/admin/bodies/new", {
        "name": "Municipio I Centro Est", "slug": "municipio-i-centro-est", "parent": "0",
        "website": "https://www.comune.genova.it", "data_licence": "CC-BY-4.0"})
    assert created.status_code == 302
    assert "Municipio I Centro Est" in client.get("/manage/admin/bodies").get_data(as_text=True)
    with app.app_context():
        body = db.session.scalar(select(Body).where(Body.slug == "municipio-i-centro-est"))
        assert body.parent_id is None and body.website == "https://www.comune.genova.it"
    assert [a for a, *_ in audit(app)] == ["body.create"]


@pytest.mark.parametrize("slug, message", [
    ("municipio-ix-levante", "Questo nome breve è già usato da un altro ente."),
    ("Has Spaces", "Usa lettere minuscole, cifre e trattini singoli"),
])
def test_a_bad_body_is_explained_and_not_stored(app, client, people, slug, message):
    response = post_form(client, "/manage/admin/bodies/new", {
        "name": "Another", "slug": slug, "parent": str(people["body"]), "data_licence": "CC-BY-4.0"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(Body)).all()) == 1


def test_the_account_list_searches_names_and_addresses_literally(app, client, people):
    with app.app_context():
        make_user(email="percent@example.org", name="100% Rossi")
    found = client.get("/manage/admin/users", query_string={"q": "carlo"}).get_data(as_text=True)
    assert "carlo@example.org" in found and "admin@example.org" not in found
    literal = client.get("/manage/admin/users", query_string={"q": "%"}).get_data(as_text=True)
    assert "100% Rossi" in literal and "Carlo Cittadino" not in literal


def test_the_account_list_costs_the_same_queries_for_few_and_many(app, client, people, count_queries):
    def measure() -> int:
        with count_queries() as counter:
            assert client.get("/manage/admin/users").status_code == 200
        return counter.count

    small = measure()
    with app.app_context():
        bodies = [make_body() for _ in range(3)]
        for n in range(15):
            make_user(councillor_of=bodies[n % 3])
    assert measure() == small


def test_the_audit_log_shows_who_did_what(app, client, people):
    change_role(client, people["citizen"], "admin", "grant")
    page = client.get("/manage/admin/audit").get_data(as_text=True)
    assert "Ada Admin" in page and "role.grant" in page
