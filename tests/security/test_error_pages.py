"""Every error answer, 400 to 503, is a translated page (or JSON under /api/) with the same security headers
as a normal page; a 405 says which methods are allowed; a request over the size limit gets the translated 413
page whether or not the sender is signed in."""
from __future__ import annotations

import pytest
import requests
from flask import Blueprint, abort
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import default_exceptions

from civic import create_app
from civic.database import db
from tests.conftest import TEST_CONFIG, csrf_token
from tests.factories import PASSWORD, make_user

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                    "Permissions-Policy", "Cross-Origin-Opener-Policy")
CODES = sorted(code for code in default_exceptions if 400 <= code <= 503)


@pytest.fixture(scope="module")
def failing_site(database_url):
    """The site with pages that fail on purpose: any status, an unexpected error, a lost database."""
    site = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    failing = Blueprint("failing", __name__)

    @failing.get("/failing/<int:code>")
    def status(code):
        abort(code)

    @failing.get("/failing/bug")
    def bug():
        raise RuntimeError("a bug")

    @failing.get("/failing/database")
    def database():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    site.register_blueprint(failing)
    return site


def assert_secured(response):
    missing = [name for name in SECURITY_HEADERS if name not in response.headers]
    assert missing == [], f"{response.status_code} lacks {missing}"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("code", CODES)
def test_every_error_page_carries_the_security_headers(failing_site, code):
    response = failing_site.test_client().get(f"/failing/{code}")
    assert response.status_code == code
    assert_secured(response)
    assert response.mimetype == "text/html"
    assert f"Errore {code}" in response.get_data(as_text=True)


@pytest.mark.parametrize("path, code", [("/failing/bug", 500), ("/failing/database", 503)])
def test_unexpected_errors_and_outages_carry_the_security_headers(failing_site, path, code):
    response = failing_site.test_client().get(path, headers={"Accept-Language": "en"})
    assert response.status_code == code
    assert_secured(response)


def test_api_errors_carry_the_security_headers(client):
    for response in (client.get("/api/v1/nothing-here"), client.delete("/api/v1/consultations")):
        assert response.status_code in (404, 405)
        assert response.is_json
        assert_secured(response)


@pytest.mark.parametrize("path, method, allowed", [
    ("/healthz", "post", {"GET", "HEAD", "OPTIONS"}),
    ("/account/logout", "get", {"POST", "OPTIONS"}),
    ("/api/v1/consultations", "post", {"GET", "HEAD", "OPTIONS"}),
])
def test_a_method_not_allowed_says_which_are(client, path, method, allowed):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert {part.strip() for part in response.headers["Allow"].split(",")} == allowed
    assert_secured(response)


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
@pytest.mark.parametrize("language, title", [("it", "Dimensione eccessiva"), ("en", "Too large")])
def test_an_oversized_form_gets_the_translated_413_page(app, client, auth, caplog, signed_in, language,
                                                        title):
    with app.app_context():
        make_user(email="citizen@example.org", name="Maria Rossi")
        db.session.commit()
    if signed_in:
        auth.login()
    page = client.get(f"/account/profile?lang={language}" if signed_in else f"/account/login?lang={language}")
    token = csrf_token(page.get_data(as_text=True))
    oversized = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    for path in ("/account/login", "/account/profile", "/account/logout"):
        response = client.post(path, data={"csrf_token": token, "display_name": oversized})
        assert response.status_code == 413, path
        html = response.get_data(as_text=True)
        assert f"<title>{title}" in html
        assert "Maria Rossi" in html if signed_in else "Maria Rossi" not in html
        assert "</footer>" in html  # the site's page, not the bare fallback
        assert_secured(response)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


def test_a_real_server_answers_an_oversized_form_with_the_page_of_the_signed_in_person(app, live_server):
    with app.app_context():
        make_user(email="citizen@example.org", name="Maria Rossi")
        db.session.commit()
    browser = requests.Session()
    token = csrf_token(browser.get(live_server.url + "/account/login").text)
    signed_in = browser.post(live_server.url + "/account/login", data={
        "csrf_token": token, "email": "citizen@example.org", "password": PASSWORD})
    assert signed_in.status_code == 200 and "Maria Rossi" in signed_in.text
    oversized = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = browser.post(live_server.url + "/account/profile",
                            data={"csrf_token": token, "display_name": oversized}, timeout=30)
    assert response.status_code == 413
    assert "<title>Dimensione eccessiva" in response.text and "Maria Rossi" in response.text
    assert_secured(response)
