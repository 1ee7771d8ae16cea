"""The account page: changing the e-mail address with the current password."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.database import db
from tests.conftest import post_form
from tests.factories import PASSWORD, make_user
from tests.support.mail import last_link, queued


@pytest.fixture
def citizen(app, auth):
    with app.app_context():
        user_id = make_user(email="carla@example.org", name="Carla").id
    auth.login("carla@example.org")
    return user_id


def email_of(app, user_id) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def test_the_account_page_needs_a_login(client):
    for path in ("/account/", "/account/password", "/account/email"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/login?next=" in response.location


def test_changing_the_address_takes_effect_when_the_new_address_confirms(app, client, auth, citizen):
    sent = post_form(client, "/account/email",
                     {"email": "Carla.New@example.org", "current_password": PASSWORD})
    assert sent.status_code == 200
    assert "carla.new@example.org" in sent.get_data(as_text=True)
    assert email_of(app, citizen) == "carla@example.org"
    [mail] = queued(app, "carla.new@example.org")
    assert mail.subject == "Conferma il tuo nuovo indirizzo e-mail"

    link = last_link(app, "carla.new@example.org", "/account/email/confirm/")
    assert client.get(link).status_code == 303
    assert client.get("/account/email/confirm").status_code == 200
    assert email_of(app, citizen) == "carla@example.org", "opening the link alone changes nothing"
    done = post_form(client, link, {})
    assert done.status_code == 302
    assert "Il tuo indirizzo e-mail è stato modificato." in client.get("/account/").get_data(as_text=True)
    assert email_of(app, citizen) == "carla.new@example.org"
    [notice] = queued(app, "carla@example.org")
    assert "carla.new@example.org" in notice.body_text

    # The link is spent, and the new address is the one that logs in.
    assert client.get(link).status_code == 400
    auth.logout()
    assert auth.login("carla@example.org").status_code == 422
    assert auth.login("carla.new@example.org").status_code == 302


def test_a_wrong_current_password_sends_nothing(app, client, citizen):
    response = post_form(client, "/account/email", {"email": "other@example.org",
                                                    "current_password": "not my password"})
    assert response.status_code == 422
    assert "La password attuale non è corretta." in response.get_data(as_text=True)
    assert queued(app) == []


def test_a_taken_address_gets_the_usual_answer_and_no_mail(app, client, citizen):
    with app.app_context():
        make_user(email="taken@example.org")
    response = post_form(client, "/account/email",
                         {"email": "taken@example.org", "current_password": PASSWORD})
    assert response.status_code == 200
    assert "Abbiamo inviato un link a taken@example.org" in response.get_data(as_text=True)
    assert queued(app) == []
    assert email_of(app, citizen) == "carla@example.org"


def test_an_address_taken_after_the_link_was_sent_is_refused(app, client, citizen):
    post_form(client, "/account/email", {"email": "late@example.org", "current_password": PASSWORD})
    link = last_link(app, "late@example.org", "/account/email/confirm/")
    with app.app_context():
        make_user(email="late@example.org")
    response = post_form(client, link, {})
    assert response.status_code == 409
    assert "Questo indirizzo e-mail è già in uso." in response.get_data(as_text=True)
    assert email_of(app, citizen) == "carla@example.org"


def test_a_bad_new_address_is_explained(app, client, citizen):
    response = post_form(client, "/account/email",
                         {"email": "carla at example", "current_password": PASSWORD})
    assert response.status_code == 422
    assert "Inserisci un indirizzo e-mail valido" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(User.email)).all() == ["carla@example.org"]
