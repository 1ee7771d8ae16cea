"""The councillors' area for motions: only the motion's body (or an admin) may change it; every change is in
the audit log; bad input is refused next to the field with nothing stored."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.audit.models import AuditEntry
from civic.bodies.models import Body
from civic.database import db
from civic.motions.models import Milestone, Motion, MotionStatus
from tests.conftest import csrf_token, post_form
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import make_motion


@pytest.fixture
def setup(app):
    with app.app_context():
        levante = make_body("municipio-ix-levante", "Municipio IX Levante")
        novi = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        make_user("levante@example.org", "Consigliera Levante", councillor_of=levante)
        make_user("novi@example.org", councillor_of=novi)
        make_user("admin@example.org", admin=True)
        make_user("giulia@example.org")
        motion = make_motion(levante, "Mozione sul coworking")
        return {"levante": levante.id, "novi": novi.id, "motion": motion.id}


def _edit_paths(motion_id: int) -> list[str]:
    return [f"/manage/motions/{motion_id}/", f"/manage/motions/{motion_id}/vote",
            f"/manage/motions/{motion_id}/milestones/new"]


def _post_paths(motion_id: int) -> list[str]:
    return ([f"/manage/motions/{motion_id}/{action}" for action in ("file", "withdraw", "schedule", "vote")]
            + [f"/manage/motions/{motion_id}/", f"/manage/motions/{motion_id}/milestones/new"])


@pytest.mark.parametrize("email", ["novi@example.org", "giulia@example.org"])
def test_other_bodies_and_citizens_get_403(client, auth, setup, email, app):
    auth.login(email, PASSWORD)
    token = csrf_token(client.get("/").get_data(as_text=True))
    for path in _edit_paths(setup["motion"]):
        assert client.get(path).status_code == 403, path
    for path in _post_paths(setup["motion"]):
        response = client.post(path, data={"csrf_token": token, "title": "Rubata", "voted_on": "2013-05-16",
                                           "result": "approved", "scheduled_for": "2013-05-10"})
        assert response.status_code == 403, path
    with app.app_context():
        motion = db.session.get(Motion, setup["motion"])
        assert motion.title == "Mozione sul coworking" and motion.status == MotionStatus.FILED
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_a_councillor_cannot_create_in_another_body(client, auth, setup, app):
    auth.login("novi@example.org", PASSWORD)
    response = post_form(client, "/manage/motions/new", {"body_id": setup["levante"], "title": "Intrusa",
                                                           "text": "x", "other_proposers": "Qualcuno"})
    assert response.status_code == 422
    assert "Non è una opzione valida" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Motion.id))) == 1


def test_visitors_are_sent_to_log_in(client, setup):
    response = client.get(f"/manage/motions/{setup['motion']}/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_admin_manages_any_body(client, auth, setup, app):
    auth.login("admin@example.org", PASSWORD)
    response = post_form(client, f"/manage/motions/{setup['motion']}/", {
        "body_id": setup["levante"], "title": "Mozione corretta", "text": "Testo.",
        "other_proposers": "W. V.",
    })
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Motion, setup["motion"]).title == "Mozione corretta"


def test_create_edit_schedule_vote_and_milestones_are_audited(client, auth, setup, app):
    auth.login("levante@example.org", PASSWORD)
    with app.app_context():
        levante_councillor = db.session.scalar(select(User.id).where(User.email == "levante@example.org"))
    response = post_form(client, "/manage/motions/new", {
        "body_id": setup["levante"], "title": "Orti urbani", "text": "Testo.", "identifier": "3/2014",
        "councillors": levante_councillor, "other_proposers": "Anna Bianchi\nAnna Bianchi\n",
    })
    assert response.status_code == 302
    with app.app_context():
        motion = db.session.scalar(select(Motion).where(Motion.title == "Orti urbani"))
        motion_id = motion.id
        assert [(p.name, p.user_id) for p in motion.proposers] == [
            ("Consigliera Levante", levante_councillor), ("Anna Bianchi", None)]
        assert motion.status == MotionStatus.DRAFT and motion.filed_on is None
    edit = f"/manage/motions/{motion_id}/"
    # A draft has nothing after the vote yet.
    assert post_form(client, f"{edit}milestones/new", {"title": "Troppo presto"}).status_code == 422
    post_form(client, edit, {}, action=f"{edit}file")
    post_form(client, edit, {"scheduled_for": "2014-03-01"}, action=f"{edit}schedule")
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        assert motion.status == MotionStatus.SCHEDULED and motion.scheduled_for == dt.date(2014, 3, 1)
        assert motion.filed_on is not None  # filing without a date means today
    response = post_form(client, f"{edit}vote", {
        "voted_on": "2014-03-01", "result": "rejected",
        "roll_call": "Mario Rossi: no\nAnna Bianchi: sì\nLuca Verdi: astenuto",
        "outcome_note": "Respinta.",
    })
    assert response.status_code == 302
    post_form(client, f"{edit}milestones/new",
              {"title": "Nuova proposta", "due_on": "2014-09-01", "done": "y"})
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        assert motion.status == MotionStatus.REJECTED
        assert ((motion.votes_for, motion.votes_against, motion.votes_abstain, motion.votes_absent)
                == (1, 1, 1, 0))
        assert [(m.title, m.done) for m in motion.milestones] == [("Nuova proposta", True)]
        milestone_id = motion.milestones[0].id
        actions = [a for a in db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))]
    assert actions == ["motion.create", "motion.file", "motion.schedule", "motion.vote", "milestone.create"]
    post_form(client, edit, {}, action=f"{edit}milestones/{milestone_id}/delete")
    with app.app_context():
        assert db.session.scalar(select(func.count(Milestone.id))) == 0
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == \
            "milestone.delete"


def test_the_outcome_cannot_be_reversed_but_the_vote_can_be_corrected(client, auth, setup, app):
    auth.login("levante@example.org", PASSWORD)
    vote = f"/manage/motions/{setup['motion']}/vote"
    assert post_form(client, vote, {"voted_on": "2013-05-16", "result": "approved"}).status_code == 302
    reversed_ = post_form(client, vote, {"voted_on": "2013-05-16", "result": "rejected"})
    assert reversed_.status_code == 422
    assert "non può essere ribaltato" in reversed_.get_data(as_text=True)
    corrected = post_form(client, vote, {"voted_on": "2013-05-16", "result": "approved", "votes_for": "9"})
    assert corrected.status_code == 302
    with app.app_context():
        motion = db.session.get(Motion, setup["motion"])
        assert motion.status == MotionStatus.APPROVED and motion.votes_for == 9
    # Decided: it cannot be withdrawn or scheduled any more.
    edit = f"/manage/motions/{setup['motion']}/"
    response = post_form(client, edit, {}, action=f"{edit}withdraw", follow_redirects=True)
    assert "non può essere cambiata così" in response.get_data(as_text=True)


@pytest.mark.parametrize("data, field_message", [
    ({"title": ""}, "Inserisci il titolo."),
    ({"other_proposers": ""}, "Indica almeno un proponente"),
    ({"identifier": "12/2013"}, "ha già questo numero"),
    ({"topics": "<b>"}, "non è un tema valido"),
    ({"filed_on": "16/05/2013"}, "Non è una data valida"),
])
def test_bad_motion_input_is_refused_next_to_the_field(client, auth, setup, app, data, field_message):
    with app.app_context():
        make_motion(db.session.get(Body, setup["levante"]), "Altra", identifier="12/2013")
    auth.login("levante@example.org", PASSWORD)
    form = {"body_id": setup["levante"], "title": "Mozione nuova", "text": "Testo.",
            "other_proposers": "Anna"}
    response = post_form(client, "/manage/motions/new", {**form, **data})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_message in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Motion.id))) == 2


@pytest.mark.parametrize("roll_call, message", [
    ("Mario Rossi sì", "Riga 1"),
    ("Mario Rossi: forse", "Riga 1"),
    ("Mario Rossi: sì\nmario rossi: no", "Riga 2: questo nome è già"),
])
def test_bad_roll_call_is_refused(client, auth, setup, app, roll_call, message):
    auth.login("levante@example.org", PASSWORD)
    response = post_form(client, f"/manage/motions/{setup['motion']}/vote",
                         {"voted_on": "2013-05-16", "result": "approved", "roll_call": roll_call})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Motion, setup["motion"]).status == MotionStatus.FILED


def test_roll_call_must_match_counts(client, auth, setup):
    auth.login("levante@example.org", PASSWORD)
    response = post_form(client, f"/manage/motions/{setup['motion']}/vote", {
        "voted_on": "2013-05-16", "result": "approved", "votes_for": "5", "roll_call": "Mario Rossi: sì"})
    assert response.status_code == 422
    assert "non corrisponde ai conteggi" in response.get_data(as_text=True)
