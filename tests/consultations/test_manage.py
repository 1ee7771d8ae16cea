"""The councillors' area for consultations: create, edit, publish, close, reopen, archive, phases; only the
consultation's body (or an admin) may change it; every change is in the audit log."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from civic.audit.models import AuditEntry
from civic.bodies.models import Body
from civic.consultations.models import Consultation, ConsultationPhase, ConsultationStatus
from civic.database import db
from tests.conftest import csrf_token, post_form
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user


@pytest.fixture
def setup(app):
    with app.app_context():
        levante = make_body("municipio-ix-levante", "Municipio IX Levante")
        novi = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        make_user("levante@example.org", councillor_of=levante)
        make_user("novi@example.org", councillor_of=novi)
        make_user("giulia@example.org")
        consultation = make_consultation(levante, "Coworking nel Levante", status=ConsultationStatus.DRAFT,
                                         slug="coworking-nel-levante",
                                         phases=[("Proposte", dt.date(2013, 5, 1), None)])
        return {"levante": levante.id, "novi": novi.id, "id": consultation.id,
                "phase": consultation.phases[0].id}


@pytest.mark.parametrize("email", ["novi@example.org", "giulia@example.org"])
def test_other_bodies_and_citizens_get_403(client, auth, setup, email, app):
    auth.login(email, PASSWORD)
    base = f"/manage/consultations/{setup['id']}/"
    for path in (base, f"{base}phases/new", f"{base}phases/{setup['phase']}/"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client.get("/").get_data(as_text=True))
    for path in (base, f"{base}publish", f"{base}close", f"{base}phases/new",
                 f"{base}phases/{setup['phase']}/", f"{base}phases/{setup['phase']}/delete",
                 f"{base}phases/{setup['phase']}/up"):
        response = client.post(path, data={"csrf_token": token, "title": "Rubata", "body_id": setup["novi"],
                                           "name": "x", "starts_on": "2013-01-01"})
        assert response.status_code == 403, path
    with app.app_context():
        consultation = db.session.get(Consultation, setup["id"])
        assert consultation.title == "Coworking nel Levante"
        assert consultation.status == ConsultationStatus.DRAFT and len(consultation.phases) == 1
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_citizens_cannot_even_see_the_list(client, auth, setup):
    auth.login("giulia@example.org", PASSWORD)
    assert client.get("/manage/consultations/").status_code == 403
    assert client.get("/manage/consultations/new").status_code == 403


def test_a_councillor_sees_only_own_consultations(client, auth, setup, app):
    with app.app_context():
        make_consultation(db.session.get(Body, setup["novi"]), "Biblioteca di Novi")
    auth.login("levante@example.org", PASSWORD)
    page = client.get("/manage/consultations/").get_data(as_text=True)
    assert "Coworking nel Levante" in page and "Biblioteca di Novi" not in page


def test_lifecycle_through_the_buttons(client, auth, setup, app):
    auth.login("levante@example.org", PASSWORD)
    base = f"/manage/consultations/{setup['id']}/"
    page = client.get(base).get_data(as_text=True)
    assert ">Pubblica</button>" in page and ">Archivia</button>" not in page
    for action, status in (("publish", ConsultationStatus.PUBLISHED), ("close", ConsultationStatus.CLOSED),
                           ("reopen", ConsultationStatus.PUBLISHED), ("close", ConsultationStatus.CLOSED),
                           ("archive", ConsultationStatus.ARCHIVED)):
        assert post_form(client, base, {}, action=f"{base}{action}").status_code == 302
        with app.app_context():
            assert db.session.get(Consultation, setup["id"]).status == status
    refused = post_form(client, base, {}, action=f"{base}publish", follow_redirects=True)
    assert "Ora non è possibile cambiare così" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Consultation, setup["id"]).status == ConsultationStatus.ARCHIVED
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["consultation.publish", "consultation.close", "consultation.reopen",
                       "consultation.close", "consultation.archive"]


def test_create_with_generated_slug_and_edit(client, auth, setup, app):
    auth.login("levante@example.org", PASSWORD)
    form = {"body_id": setup["levante"], "title": "Coworking nel Levante",
            "topics": "Coworking, Lavoro, coworking"}
    assert post_form(client, "/manage/consultations/new", form).status_code == 302
    with app.app_context():
        created = db.session.scalar(select(Consultation).order_by(Consultation.id.desc()))
        assert created.slug == "coworking-nel-levante-2"  # the first one took the plain slug
        assert (created.status == ConsultationStatus.DRAFT
                and sorted(created.topics) == ["coworking", "lavoro"])
        created_id = created.id
    response = post_form(client, f"/manage/consultations/{created_id}/",
                         {**form, "title": "Nuovo titolo", "topics": "lavoro, giovani",
                          "slug": "nuovo-titolo"})
    assert response.status_code == 302
    with app.app_context():
        edited = db.session.get(Consultation, created_id)
        assert (edited.title, edited.slug, sorted(edited.topics)) == ("Nuovo titolo", "nuovo-titolo",
                                                                       ["giovani", "lavoro"])
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == \
            "consultation.update"


@pytest.mark.parametrize("data, message", [
    ({"title": ""}, "Inserisci il titolo."),
    ({"slug": "coworking-nel-levante"}, "Questo nome breve è già usato"),
    ({"slug": "Non Valido!"}, "Usa lettere minuscole"),
    ({"opens_on": "2013-05-10", "closes_on": "2013-05-01"}, "La data di chiusura non può precedere"),
    ({"topics": ", ".join(f"t{i}" for i in range(11))}, "al massimo 10 temi"),
])
def test_bad_input_is_refused_next_to_the_field(client, auth, setup, app, data, message):
    auth.login("levante@example.org", PASSWORD)
    response = post_form(client, "/manage/consultations/new", {"body_id": setup["levante"], "title": "Nuovo",
                                                              **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Consultation.id))) == 1


def test_phases_add_edit_move_and_delete(client, auth, setup, app):
    auth.login("levante@example.org", PASSWORD)
    base = f"/manage/consultations/{setup['id']}/"
    assert post_form(client, f"{base}phases/new", {"name": "Voto", "starts_on": "2013-05-16",
                                                  "ends_on": "2013-05-10"}).status_code == 422
    assert post_form(client, f"{base}phases/new", {"name": "Voto",
                                                  "starts_on": "2013-05-16"}).status_code == 302
    with app.app_context():
        names = lambda: [p.name for p in db.session.get(Consultation, setup["id"]).phases]  # noqa: E731
        assert names() == ["Proposte", "Voto"]
        voto = db.session.scalar(select(ConsultationPhase.id).where(ConsultationPhase.name == "Voto"))
    post_form(client, base, {}, action=f"{base}phases/{voto}/up")
    with app.app_context():
        assert names() == ["Voto", "Proposte"]
        db.session.remove()
    assert post_form(client, f"{base}phases/{voto}/", {"name": "Voto in consiglio", "starts_on": "2013-05-16",
                                                      "description": "Seduta pubblica."}).status_code == 302
    post_form(client, base, {}, action=f"{base}phases/{setup['phase']}/delete")
    with app.app_context():
        assert names() == ["Voto in consiglio"]
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["phase.create", "phase.move", "phase.update", "phase.delete"]


def test_a_phase_of_another_consultation_is_404(client, auth, setup, app):
    with app.app_context():
        other = make_consultation(db.session.get(Body, setup["levante"]), "Altro")
        other_id = other.id
    auth.login("levante@example.org", PASSWORD)
    assert client.get(f"/manage/consultations/{other_id}/phases/{setup['phase']}/").status_code == 404
