"""The story of issue 3, end to end through the real forms: a councillor of Municipio Levante publishes a
consultation and a motion, records its approval and adds a milestone; a citizen finds the motion by search and
filters, supports it and comments; the motion page tells the story in order."""
from __future__ import annotations

from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.consultations.models import Consultation, ConsultationStatus
from civic.database import db
from civic.motions.models import Motion, MotionStatus, MotionSupport
from tests.conftest import post_form
from tests.factories import PASSWORD, make_body, make_user


def _setup(app):
    with app.app_context():
        genova = make_body("comune-di-genova", "Comune di Genova")
        levante = make_body("municipio-ix-levante", "Municipio IX Levante", parent=genova)
        make_user("levante@example.org", "Consigliera Levante", councillor_of=levante)
        make_user("giulia@example.org", "Giulia Rossi")
        return levante.id


def test_councillor_publishes_and_citizen_finds_supports_and_comments(app, client, auth):
    levante_id = _setup(app)
    auth.login("levante@example.org", PASSWORD)

    response = post_form(client, "/manage/consultations/new", {
        "body_id": levante_id, "title": "Coworking nel Levante", "summary": "Spazi di lavoro condivisi.",
        "description": "Un percorso sul **coworking**.", "topics": "Coworking, lavoro",
        "opens_on": "2013-05-01",
    })
    assert response.status_code == 302
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        consultation_id, slug = consultation.id, consultation.slug
    assert slug == "coworking-nel-levante"
    edit = f"/manage/consultations/{consultation_id}/"
    assert post_form(client, edit, {}, action=f"{edit}publish").status_code == 302
    post_form(client, f"{edit}phases/new", {"name": "Mozione in consiglio", "starts_on": "2013-05-01",
                                             "ends_on": "2013-05-16"})

    response = post_form(client, "/manage/motions/new", {
        "body_id": levante_id, "consultation_id": consultation_id,
        "title": "Mozione per la diffusione del coworking nel Comune di Genova",
        "text": "Il Consiglio impegna il Presidente a portare la questione del *coworking* al Comune.",
        "topics": "coworking", "filed_on": "2013-05-02", "other_proposers": "Walter Vassallo",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        motion_id = db.session.scalar(select(Motion.id))
    manage = f"/manage/motions/{motion_id}/"
    # A draft is not public yet.
    assert client.get(f"/motions/{motion_id}.json").status_code == 404
    post_form(client, manage, {}, action=f"/manage/motions/{motion_id}/file")
    # Filed and waiting for the council: citizens support it (once each).
    auth.logout()
    auth.login("giulia@example.org", PASSWORD)
    page_url = f"/motions/{motion_id}"
    response = post_form(client, page_url, {}, action=f"/motions/{motion_id}/support", follow_redirects=True)
    assert "Grazie: sostieni questa mozione." in response.get_data(as_text=True)
    again = post_form(client, page_url, {}, action=f"/motions/{motion_id}/support", follow_redirects=True)
    assert "Sostieni già questa mozione." in again.get_data(as_text=True)
    auth.logout()
    auth.login("levante@example.org", PASSWORD)
    response = post_form(client, f"/manage/motions/{motion_id}/vote", {
        "voted_on": "2013-05-16", "result": "approved",
        "outcome_note": "Il Municipio porterà la questione all'attenzione del Comune.",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    response = post_form(client, f"/manage/motions/{motion_id}/milestones/new", {
        "title": "Tavolo di lavoro con il Comune e i municipi", "description": "Da convocare.",
    })
    assert response.status_code == 302
    auth.logout()

    auth.login("giulia@example.org", PASSWORD)
    found = client.get("/motions/?q=coworking").get_data(as_text=True)
    assert "Mozione per la diffusione del coworking" in found
    filtered = client.get(f"/motions/?body={levante_id}&status=approved&topic=coworking&year=2013")
    assert "Mozione per la diffusione del coworking" in filtered.get_data(as_text=True)
    other_year = client.get("/motions/?year=2014&q=coworking").get_data(as_text=True)
    assert "Mozione per la diffusione del coworking" not in other_year

    page_url = f"/motions/{motion_id}"
    # Decided: supports are closed, and the page says so.
    assert "non raccoglie più sostegni" in client.get(page_url).get_data(as_text=True)
    response = post_form(client, page_url, {"text": "Ottima idea, serve anche a Sturla."},
                         action=f"/comments/motion/{motion_id}/new", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Ottima idea, serve anche a Sturla." in page
    assert "1 persona sostiene questa mozione." in page

    # The story, in order: filed, approved, then the planned working table (no date yet).
    filed = page.index("Depositata nel consiglio di Municipio IX Levante")
    approved = page.index("Approvata dal consiglio")
    table = page.index("Tavolo di lavoro con il Comune e i municipi")
    assert filed < approved < table
    assert "I voti espressi non sono registrati: è noto solo l'esito." in page

    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        assert motion.status == MotionStatus.APPROVED
        assert [p.name for p in motion.proposers] == ["Walter Vassallo"]
        assert db.session.scalar(select(db.func.count(MotionSupport.id))) == 1
        assert db.session.get(Consultation, consultation_id).status == ConsultationStatus.PUBLISHED
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"consultation.create", "consultation.publish", "phase.create", "motion.create", "motion.file",
            "motion.vote", "milestone.create"} <= actions

    consultation_page = client.get(f"/consultations/{slug}/").get_data(as_text=True)
    assert "Mozione per la diffusione del coworking" in consultation_page
    assert "Mozione in consiglio" in consultation_page
