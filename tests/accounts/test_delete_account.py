"""/account/delete: a citizen deletes her account with her password and a tick. Her seat goes to the waiting
list, her support stops counting, her comment stays without her name, her named answer stays without her; a
wrong password, a missing tick or a missing CSRF token change nothing; the last administrator cannot leave."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.accounts.models import AuthSession, Councillorship, PasswordResetToken, User
from civic.audit.models import AuditEntry
from civic.comments.models import Comment
from civic.database import db
from civic.interest.models import Declaration
from civic.meetings.models import Meeting, Registration, RegistrationStatus
from civic.motions.models import MotionSupport
from civic.surveys.models import Participation, Response
from tests.accounts.people import ADA, BRUNO, CARLA
from tests.conftest import csrf_token, post_form
from tests.factories import PASSWORD, make_user
from tests.support.mail import queued

CONFIRMED = {"current_password": PASSWORD, "confirm": "y"}



def what_carla_has(app, user_id: int) -> dict:
    """Every kind of row that points at her, counted."""
    with app.app_context():
        columns = (User.id, MotionSupport.user_id, Registration.user_id, Comment.author_id, Response.user_id,
                   Participation.user_id, Declaration.user_id, AuthSession.user_id, Councillorship.user_id)
        counted = {column.class_.__name__: db.session.scalar(select(func.count()).where(column == user_id))
                   for column in columns}
        db.session.remove()
    return counted


def test_the_page_says_what_happens_and_asks_for_password_and_tick(client, scene):
    page = client.get("/account/delete?lang=en").get_data(as_text=True)
    assert "Your seats go to the first people on the waiting list" in page
    assert "they are shown as written by a “Former participant”" in page
    assert "Your answers to named surveys stay in the results without your name" in page
    assert 'name="current_password"' in page and 'name="confirm"' in page
    italian = client.get("/account/delete?lang=it").get_data(as_text=True)
    assert "Cancella il mio account" in italian and "Ex partecipante" in italian


@pytest.mark.parametrize("data, message", [
    ({"current_password": "not my password", "confirm": "y"}, "La password attuale non è corretta."),
    ({"current_password": PASSWORD}, "Spunta la casella per confermare che vuoi cancellare il tuo account."),
    ({"confirm": "y"}, "Inserisci la password attuale."),
])
def test_a_wrong_password_or_a_missing_tick_changes_nothing(app, client, scene, data, message):
    before = what_carla_has(app, scene.carla)
    response = post_form(client, "/account/delete", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert what_carla_has(app, scene.carla) == before
    assert client.get("/account/").status_code == 200, "still logged in"


def test_without_the_csrf_token_nothing_changes(app, client, scene):
    before = what_carla_has(app, scene.carla)
    response = client.post("/account/delete", data=CONFIRMED)
    assert response.status_code == 400
    assert what_carla_has(app, scene.carla) == before


def test_deleting_frees_the_seat_drops_the_support_and_keeps_the_discussion(app, client, auth, scene):
    motion_page = f"/motions/{scene.motion}"
    assert "2 persone sostengono questa mozione." in client.get(motion_page).get_data(as_text=True)
    post_form(client, "/account/reset", {"email": CARLA})  # a reset link, and an e-mail to her in the outbox
    assert len(queued(app, CARLA)) == 1 and queued(app, BRUNO) == []

    response = post_form(client, "/account/delete", CONFIRMED)
    assert response.status_code == 302 and response.location == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Il tuo account è stato cancellato. Grazie per aver partecipato." in home

    # Logged out, and she cannot log in again.
    assert client.get("/account/").status_code == 302
    assert auth.login(CARLA).status_code == 422

    # Every row that pointed at her is gone, except her comment (kept without author) and her named answer
    # (kept without her); nothing refers to her any more.
    assert what_carla_has(app, scene.carla) == {
        "User": 0, "MotionSupport": 0, "Registration": 0, "Comment": 0, "Response": 0, "Participation": 0,
        "Declaration": 0, "AuthSession": 0, "Councillorship": 0}
    with app.app_context():
        # The seat went to Bruno, who was waiting, and he was told.
        bruno = db.session.scalar(select(User).where(User.email == BRUNO))
        assert db.session.scalar(select(Registration.status).where(Registration.user_id == bruno.id)) == \
            RegistrationStatus.CONFIRMED
        assert db.session.get(Meeting, scene.meeting).confirmed_count == 1
        named = db.session.scalars(select(Response).where(Response.survey_id == scene.named_survey)).all()
        assert len(named) == 2 and sorted(r.user_id is None for r in named) == [False, True]
        assert db.session.scalar(select(func.count()).select_from(Declaration)) == 1
        # One audit line says an account was deleted, and no audit line names her.
        deletion = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.delete")).one()
        assert (deletion.actor_id, deletion.summary) == (None, "")
        assert not any("Carla" in entry.summary or CARLA in entry.summary
                       for entry in db.session.scalars(select(AuditEntry)))
        assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
        db.session.remove()
    assert queued(app, CARLA) == []
    [ticket] = queued(app, BRUNO)
    assert "Tavolo di lavoro sul coworking" in ticket.subject + ticket.body_text

    # The motion page still renders: one support less, her comment under "Ex partecipante", Bruno's reply.
    page = client.get(motion_page)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "1 persona sostiene questa mozione." in text
    assert "Ex partecipante" in text and "Servono spazi per chi lavora da casa." in text
    assert "Sono d&#39;accordo con Carla." in text and "Carla Cittadina" not in text


def test_the_last_administrator_cannot_delete_her_account(app, client, auth):
    with app.app_context():
        make_user(ADA, admin=True)
    auth.login(ADA)
    page = client.get("/account/delete")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Sei l&#39;unico amministratore." in text and 'name="current_password"' not in text
    refused = client.post("/account/delete", data={**CONFIRMED, "csrf_token": csrf_token(text)})
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == ADA)) is not None
        make_user("second-admin@example.org", admin=True)
    done = post_form(client, "/account/delete", CONFIRMED)
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == ADA)) is None
