"""Sign-in throttling per account (ASVS 2.2.1): after CIVIC_SIGN_IN_FREE_ATTEMPTS failures in a row, from any
client address, the address is paused for a delay that doubles; the owner is e-mailed once; unknown addresses
get the same answers; a success clears the series."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from civic.accounts.models import SignInThrottle
from civic.audit.models import SecurityEvent
from civic.database import db, utcnow
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user
from tests.support.mail import queued
from tests.support.servers import GunicornServer

PAUSED_IT = "Troppi tentativi falliti di accedere a questo account"
WRONG_IT = "Indirizzo e-mail o password non corretti."


def attempt(app, email, password, address):
    """A sign-in from a browser of its own at `address`."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    page = client.get("/account/login", environ_base=environ)
    return client.post("/account/login", environ_base=environ,
                       data={"email": email, "password": password,
                             "csrf_token": csrf_token(page.get_data(as_text=True))})


def kinds(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(SecurityEvent.kind).order_by(SecurityEvent.id)))


def test_failures_from_many_addresses_pause_the_account_and_tell_its_owner_once(app):
    with app.app_context():
        make_user(email="carla@example.org", name="Carla")
    for n in range(5):
        response = attempt(app, "carla@example.org", "not the password", f"10.0.{n}.1")
        assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert PAUSED_IT in page and "Riprova tra 1 minuto" in page
    # The right password is refused during the pause, from yet another address.
    paused = attempt(app, "carla@example.org", PASSWORD, "192.0.2.7")
    assert paused.status_code == 422 and PAUSED_IT in paused.get_data(as_text=True)
    [mail] = queued(app, "carla@example.org")
    assert "5 volte di seguito" in mail.body_text
    assert kinds(app).count("sign_in.locked") == 1
    assert kinds(app)[-1] == "sign_in.failure"

    # After the pause a further failure pauses twice as long, and no second e-mail leaves.
    with app.app_context():
        row = db.session.scalars(select(SignInThrottle)).one()
        row.blocked_until = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    attempt(app, "carla@example.org", "still not it", "10.9.9.9")
    with app.app_context():
        row = db.session.scalars(select(SignInThrottle)).one()
        assert row.failures == 6
        assert dt.timedelta(seconds=55) < row.blocked_until - row.last_failure_at <= dt.timedelta(seconds=60)
    assert len(queued(app, "carla@example.org")) == 1

    with app.app_context():
        row = db.session.scalars(select(SignInThrottle)).one()
        row.blocked_until = None
        db.session.commit()
    assert attempt(app, "carla@example.org", PASSWORD, "10.9.9.9").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(SignInThrottle)).all() == []


def test_an_unknown_address_gets_the_same_answers_and_no_mail(app):
    answers = [attempt(app, "nobody@example.org", "whatever it is", f"10.1.{n}.1") for n in range(6)]
    assert [r.status_code for r in answers] == [422] * 6
    assert WRONG_IT in answers[0].get_data(as_text=True)
    assert PAUSED_IT in answers[-1].get_data(as_text=True)
    assert queued(app) == []


def test_the_security_events_keep_no_address_and_no_password(app):
    with app.app_context():
        make_user(email="carla@example.org", name="Carla")
    attempt(app, "carla@example.org", "a wrong secret", "203.0.113.45")
    attempt(app, "nobody@example.org", "a wrong secret", "2001:db8:1234:5678::1")
    with app.app_context():
        known, unknown = db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id)).all()
        assert known.kind == unknown.kind == "sign_in.failure"
        assert known.user_id is not None and known.network == "203.0.113.0/24"
        assert unknown.user_id is None and unknown.network == "2001:db8:1234::/48"
        assert len(unknown.subject) == 16
        for event in (known, unknown):
            text = " ".join(str(value) for value in vars(event).values())
            assert "a wrong secret" not in text and "example.org" not in text and "203.0.113.45" not in text


def _wrong_sign_in(url: str) -> int:
    browser = requests.Session()
    form = browser.get(url + "/account/login", timeout=60).text
    return browser.post(url + "/account/login", timeout=60, allow_redirects=False,
                        data={"email": "carla@example.org", "password": "not the password",
                              "csrf_token": csrf_token(form)}).status_code


@pytest.mark.slow
def test_parallel_failures_in_several_workers_each_count(app, instance_path, database_url):
    with app.app_context():
        make_user(email="carla@example.org", name="Carla")
    server = GunicornServer(instance_path, database_url, app.config["SECRET_KEY"], workers=4,
                            extra_env={"CIVIC_SIGN_IN_FREE_ATTEMPTS": "100"}).start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(_wrong_sign_in, [server.url] * 16))
    finally:
        server.stop()
    assert codes == [422] * 16
    with app.app_context():
        assert db.session.scalars(select(SignInThrottle.failures)).one() == 16
    assert kinds(app).count("sign_in.failure") == 16
