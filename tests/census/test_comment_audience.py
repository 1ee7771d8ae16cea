"""Councillors choose who may comment on a motion and on a consultation (a confirmed e-mail address, SPID/CIE
at a level, verified residents); the comments service enforces it, and the page states it before the form
with the way to meet it."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.bodies.models import Body
from civic.census.models import Method, Verification
from civic.comments import services
from civic.comments.models import Comment
from civic.consultations.models import Consultation
from civic.database import db, utcnow
from civic.motions.models import Motion
from tests.conftest import post_form
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import make_motion


def _comments(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Comment))
        db.session.remove()
    return count


def _verify(user, body) -> None:
    now = utcnow()
    db.session.add(Verification(user_id=user.id, body_id=body.id, method=Method.IDENTITY, level=2,
                                verified_at=now, expires_at=now + dt.timedelta(days=30)))
    db.session.commit()


def test_councillors_choose_who_may_comment(app, client, auth):
    with app.app_context():
        body = make_body("novi", "Comune di Novi Ligure")
        make_user("levante@example.org", councillor_of=body)
        body_id = body.id
    auth.login("levante@example.org", PASSWORD)
    form = client.get("/manage/consultations/new").get_data(as_text=True)
    assert "Chi può commentare" in form and "Residenti verificati" in form
    assert post_form(client, "/manage/consultations/new", {
        "body_id": body_id, "title": "Spazi di lavoro", "summary": "", "description": "", "topics": "",
        "comment_audience": "resident", "comment_audience_level": "2"}).status_code == 302
    motion = post_form(client, "/manage/motions/new", {
        "body_id": body_id, "consultation_id": "0", "title": "Una mozione", "text": "Testo" * 10,
        "other_proposers": "Giulia Rossi", "audience": "confirmed",
        "audience_level": "2", "comment_audience": "identity", "comment_audience_level": "3",
    })
    assert motion.status_code == 302
    with app.app_context():
        assert db.session.execute(select(Consultation.comment_audience, Consultation.comment_audience_level)
                                  ).one() == ("resident", 2)
        assert db.session.execute(select(Motion.comment_audience, Motion.comment_audience_level)
                                  ).one() == ("identity", 3)
    refused = post_form(client, "/manage/consultations/new", {
        "body_id": body_id, "title": "Altro", "comment_audience": "anyone"})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 1


def test_only_verified_residents_comment_where_the_councillors_said_so(app, client, auth):
    with app.app_context():
        body = make_body("novi", "Comune di Novi Ligure")
        consultation = make_consultation(body, slug="spazi", comment_audience="resident")
        db.session.commit()
        giulia_id, body_id, consultation_id = make_user("giulia@example.org").id, body.id, consultation.id
    auth.login("giulia@example.org", PASSWORD)
    page = client.get("/consultations/spazi/").get_data(as_text=True)
    assert "Per partecipare servono SPID o CIE e la residenza: Comune di Novi Ligure." in page
    assert "Verifica la tua residenza" in page and 'id="new-comment-heading"' not in page
    response = post_form(client, "/consultations/spazi/", {"text": "Servono più sale."},
                         action=f"/comments/consultation/{consultation_id}/new")
    assert response.status_code == 422
    assert "Possono partecipare solo i residenti verificati" in response.get_data(as_text=True)
    assert _comments(app) == 0

    with app.app_context():
        _verify(db.session.get(User, giulia_id), db.session.get(Body, body_id))
    page = client.get("/consultations/spazi/").get_data(as_text=True)
    assert 'id="new-comment-heading"' in page and 'id="comment-refusal"' not in page
    response = post_form(client, "/consultations/spazi/", {"text": "Servono più sale."},
                         action=f"/comments/consultation/{consultation_id}/new")
    assert response.status_code == 302
    assert _comments(app) == 1


@pytest.mark.parametrize("audience, allowed", [("confirmed", True), ("identity", False), ("resident", False)])
def test_the_service_applies_the_motions_comment_rule(app, audience, allowed):
    with app.test_request_context(), force_locale("en"):
        body = make_body()
        motion = make_motion(body)
        motion.comment_audience = audience  # supports stay open to confirmed addresses
        db.session.commit()
        author = make_user()
        if allowed:
            services.add_comment(author, "motion", motion, "D'accordo")
        else:
            with pytest.raises(services.CommentError, match="to take part|verify your residence"):
                services.add_comment(author, "motion", motion, "D'accordo")
        db.session.rollback()
