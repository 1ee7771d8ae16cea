"""Registration and e-mail confirmation, through the real forms and a real SMTP server."""
from __future__ import annotations

import time

import itsdangerous.timed
import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.database import db
from civic.outbox.models import OutboxMessage
from tests.conftest import post_form
from tests.factories import make_user
from tests.support.mail import deliver, last_link, links_in, path_of, queued

PASSWORD = "a long enough sentence"
NEW_PASSWORD = "another sentence, longer"


def register(client, email="nuova@example.org", **overrides):
    data = {"email": email, "display_name": "Nuova Persona", "password": PASSWORD,
            "password_confirm": PASSWORD, "privacy": "y", **overrides}
    return post_form(client, "/account/register", {k: v for k, v in data.items() if v is not None})


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_register_confirm_log_in_change_password_log_out(app, client, auth, mail_server):
    page = register(client)
    assert page.status_code == 200
    assert "Controlla la tua casella e-mail" in page.get_data(as_text=True)
    assert "nuova@example.org" in page.get_data(as_text=True)

    assert deliver(app)["sent"] == 1
    [mail] = mail_server.messages_to("nuova@example.org")
    assert mail["Subject"] == "Conferma il tuo indirizzo e-mail"
    text = mail_server.text_of(mail)
    assert "Gentile Nuova Persona," in text
    [link] = links_in(text)

    # Opening the link only shows a button; confirming is a POST.
    shown = client.get(path_of(link), follow_redirects=True)
    assert shown.status_code == 200
    assert "Conferma" in shown.get_data(as_text=True)
    confirmed = post_form(client, path_of(link), {})
    assert confirmed.status_code == 302 and confirmed.location.endswith("/account/login")

    logged_in = auth.login("nuova@example.org", PASSWORD)
    assert logged_in.status_code == 302
    profile = client.get("/account/").get_data(as_text=True)
    assert "Nuova Persona" in profile and "confermato" in profile and "non ancora confermato" not in profile

    changed = post_form(client, "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                      "password_confirm": NEW_PASSWORD})
    assert changed.status_code == 302 and changed.location.endswith("/account/")
    assert "La password è stata cambiata" in client.get("/account/").get_data(as_text=True)
    deliver(app)
    assert [m["Subject"] for m in mail_server.messages_to("nuova@example.org")][-1] == \
        "La tua password è stata cambiata"

    assert auth.logout().status_code == 302
    assert client.get("/account/").status_code == 302
    assert auth.login("nuova@example.org", PASSWORD).status_code == 422
    assert auth.login("nuova@example.org", NEW_PASSWORD).status_code == 302


def test_the_confirmation_mail_speaks_the_language_of_the_registration(app, client):
    client.get("/?lang=en")
    register(client, email="english@example.org")
    [message] = queued(app, "english@example.org")
    assert message.subject == "Confirm your e-mail address"
    assert message.body_text.startswith("Hello Nuova Persona,")


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"password": "too short", "password_confirm": "too short"}, "password",
         "La password deve essere lunga da 12 a 128 caratteri."),
        ({"password": "x" * 129, "password_confirm": "x" * 129}, "password",
         "La password deve essere lunga da 12 a 128 caratteri."),
        ({"password_confirm": "something else entirely"}, "password_confirm",
         "Le due password non coincidono."),
        ({"email": "not-an-address"}, "email", "Inserisci un indirizzo e-mail valido"),
        ({"email": ""}, "email", "Inserisci il tuo indirizzo e-mail."),
        ({"privacy": None}, "privacy", "Per registrarti devi accettare"),
        ({"display_name": "x"}, "display_name", "Il nome deve essere lungo da 2 a 80 caratteri."),
    ],
    ids=["short-password", "long-password", "mismatch", "bad-email", "no-email", "no-consent", "short-name"],
)
def test_bad_registration_explains_next_to_the_field_and_stores_nothing(app, client, overrides, field,
                                                                        message):
    response = register(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert user_count(app) == 0
    assert queued(app) == []


def test_a_taken_address_gets_the_same_answer_and_its_owner_is_told(app, client):
    with app.app_context():
        make_user(email="taken@example.org", name="Owner")
    fresh = register(client, email="free@example.org").get_data(as_text=True)
    taken = register(client, email="taken@example.org").get_data(as_text=True)
    assert taken.replace("taken@", "free@") == fresh
    assert user_count(app) == 2
    [mail] = queued(app, "taken@example.org")
    assert mail.subject == "Qualcuno ha provato a registrarsi con il tuo indirizzo"
    assert "/account/reset" in mail.body_text


def test_a_wrong_link_is_refused_and_confirms_nothing(app, client):
    register(client)
    link = last_link(app, "nuova@example.org", "/account/confirm/")
    for forged in (link[:-3] + "abc", "/account/confirm/nonsense"):
        for response in (client.get(forged), post_form_direct(client, "/account/confirm")):
            assert response.status_code == 400
            assert "Questo link non è valido o è già stato usato." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.email_confirmed_at)) is None


def test_an_expired_link_is_refused(app, client, monkeypatch):
    eight_days_ago = int(time.time()) - 8 * 24 * 3600
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
    register(client)
    monkeypatch.undo()
    link = last_link(app, "nuova@example.org", "/account/confirm/")
    response = client.get(link)
    assert response.status_code == 400
    assert "Questo link è scaduto. Richiedine uno nuovo." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.email_confirmed_at)) is None


def test_opening_the_link_changes_nothing_until_the_button_is_pressed(app, client):
    register(client)
    link = last_link(app, "nuova@example.org", "/account/confirm/")
    client.get(link)
    client.get(link)
    with app.app_context():
        assert db.session.scalar(select(User.email_confirmed_at)) is None


def test_an_unconfirmed_user_can_ask_for_the_link_again(app, client, auth):
    with app.app_context():
        make_user(email="late@example.org", confirmed=False)
    auth.login("late@example.org")
    profile = client.get("/account/").get_data(as_text=True)
    assert "non ancora confermato" in profile
    response = post_form(client, "/account/", {}, action="/account/confirm/resend")
    assert response.status_code == 302
    assert "Ti abbiamo inviato un nuovo link di conferma." in client.get("/account/").get_data(as_text=True)
    link = last_link(app, "late@example.org", "/account/confirm/")
    post_form(client, link, {})
    assert "non ancora confermato" not in client.get("/account/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def post_form_direct(client, url):
    """A POST with a valid CSRF token taken from another page (the link page itself may be an error)."""
    return post_form(client, "/account/login", {}, action=url)


def test_confirmation_mails_to_one_address_are_limited(app, client):
    app.config["CIVIC_LIMIT_MAIL_TARGET"] = "1 per hour"
    assert register(client).status_code == 200
    again = register(app.test_client())
    assert again.status_code == 429
    assert "Diverse e-mail sono già state inviate a questo indirizzo" in again.get_data(as_text=True)
    assert len(queued(app, "nuova@example.org")) == 1


def test_the_confirmation_token_leaves_the_address_at_once(app, client):
    register(client)
    link = last_link(app, "nuova@example.org", "/account/confirm/")
    response = client.get(link)
    assert response.status_code == 303 and response.location.endswith("/account/confirm")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert post_form(client, response.location, {}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.email_confirmed_at)) is not None
