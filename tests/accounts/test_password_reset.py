"""Password reset: a single-use link, valid for an hour, superseded by a newer one, dead after a password
change."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from civic.accounts.models import PasswordResetToken, User
from civic.database import db
from tests.conftest import post_form
from tests.factories import PASSWORD, make_user
from tests.support.mail import last_link, open_link, queued

NEW = "the new passphrase for Carla"
INVALID = "Questo link non è valido o è già stato usato."


@pytest.fixture
def citizen(app):
    with app.app_context():
        return make_user(email="carla@example.org", name="Carla").id


def ask_for_link(client, app, email="carla@example.org") -> str:
    response = post_form(client, "/account/reset", {"email": email})
    assert response.status_code == 200
    return last_link(app, email, "/account/reset/")


def choose(client, link, password=NEW, confirm=None):
    return post_form(client, link, {"password": password, "password_confirm": confirm or password})


def password_hash(app, user_id) -> str:
    with app.app_context():
        return db.session.get(User, user_id).password_hash


def test_the_link_sets_a_new_password_once(app, client, auth, citizen):
    link = ask_for_link(client, app)
    [mail] = queued(app, "carla@example.org")
    assert mail.subject == "Reimposta la password"
    assert "entro un'ora" in mail.body_text
    response = choose(client, link)
    assert response.status_code == 302 and response.location.endswith("/account/login")
    assert auth.login("carla@example.org", NEW).status_code == 302
    auth.logout()

    again = client.get(link)
    assert again.status_code == 400 and INVALID in again.get_data(as_text=True)
    before = password_hash(app, citizen)
    second_use = post_form(client, "/account/login", {"password": "yet another passphrase",
                                                      "password_confirm": "yet another passphrase"},
                           action="/account/new-password")
    assert second_use.status_code == 400
    assert password_hash(app, citizen) == before


def test_the_link_expires_after_an_hour(app, client, citizen):
    link = ask_for_link(client, app)
    page = open_link(client, link)
    assert client.get(page).status_code == 200
    before = password_hash(app, citizen)
    with app.app_context():
        # Sixty-one minutes pass.
        token = db.session.scalar(select(PasswordResetToken))
        token.created_at -= dt.timedelta(minutes=61)
        token.expires_at -= dt.timedelta(minutes=61)
        db.session.commit()
    response = client.get(page)
    assert response.status_code == 400
    assert "Questo link è scaduto. Richiedine uno nuovo." in response.get_data(as_text=True)
    assert post_form(client, "/account/login", {"password": NEW, "password_confirm": NEW},
                     action=page).status_code == 400
    assert password_hash(app, citizen) == before


def test_the_link_lasts_one_hour_from_the_request(app, client, citizen):
    ask_for_link(client, app)
    with app.app_context():
        token = db.session.scalar(select(PasswordResetToken))
        assert token.expires_at - token.created_at == dt.timedelta(hours=1)


def test_an_older_link_dies_when_a_newer_one_is_sent(app, client, citizen):
    older = ask_for_link(client, app)
    newer = ask_for_link(client, app)
    assert older != newer
    assert client.get(older).status_code == 400
    assert client.get(newer).status_code == 303


def test_the_link_dies_when_the_password_is_changed(app, client, auth, citizen):
    link = ask_for_link(client, app)
    auth.login("carla@example.org")
    changed = post_form(client, "/account/password",
                        {"current_password": PASSWORD, "password": NEW, "password_confirm": NEW})
    assert changed.status_code == 302
    assert client.get(link).status_code == 400


def test_a_reset_logs_out_every_session(app, client, auth, citizen):
    auth.login("carla@example.org")
    phone = app.test_client()
    link = ask_for_link(phone, app)
    choose(phone, link)
    assert client.get("/account/").status_code == 302


def test_a_bad_new_password_is_explained_and_the_link_still_works(app, client, citizen):
    link = open_link(client, ask_for_link(client, app))
    before = password_hash(app, citizen)
    short = choose(client, link, password="short")
    assert short.status_code == 422
    assert "La password deve essere lunga da 12 a 128 caratteri." in short.get_data(as_text=True)
    mismatch = choose(client, link, confirm="not the same passphrase")
    assert mismatch.status_code == 422
    assert password_hash(app, citizen) == before
    assert choose(client, link).status_code == 302


def test_unknown_and_known_addresses_get_the_same_answer_and_only_the_owner_a_mail(app, client, citizen):
    known = post_form(client, "/account/reset", {"email": "carla@example.org"}).get_data(as_text=True)
    unknown = post_form(client, "/account/reset", {"email": "nobody@example.org"}).get_data(as_text=True)
    assert "Se esiste un account per" in known
    assert known.replace("carla@", "nobody@") == unknown
    assert [m.to_address for m in queued(app)] == ["carla@example.org"]


def test_a_wrong_token_is_refused(client, citizen):
    response = client.get("/account/reset/made-up-token")
    assert response.status_code == 400
    assert INVALID in response.get_data(as_text=True)
    assert "Richiedi un nuovo link" in response.get_data(as_text=True)


def test_the_token_leaves_the_address_at_once_and_the_one_in_the_address_stops_working(app, client, citizen):
    link = ask_for_link(client, app)
    response = client.get(link)
    assert response.status_code == 303 and response.location.endswith("/account/new-password")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # Whoever reads the address in an access log or a proxy's log cannot use it.
    eavesdropper = app.test_client()
    assert eavesdropper.get(link).status_code == 400
    assert eavesdropper.get("/account/new-password").status_code == 400
    # The browser that followed it goes on.
    assert choose(client, response.location).status_code == 302
    assert password_hash(app, citizen) != ""
