"""The pages every visitor sees: home in both languages, health, headers, error pages."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import url_for
from flask_babel import format_decimal

from civic import create_app
from civic.core.pagination import page_number
from civic.core.web import local_date, local_datetime
from tests.factories import make_user


def test_home_is_italian_by_default_and_english_on_request(client):
    italian = client.get("/")
    assert italian.status_code == 200
    assert '<html lang="it">' in italian.get_data(as_text=True)
    assert "Partecipa alle decisioni" in italian.get_data(as_text=True)

    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Take part in the decisions of your town" in english.get_data(as_text=True)
    # The choice is remembered on the next page without ?lang=.
    assert '<html lang="en">' in client.get("/privacy").get_data(as_text=True)
    assert '<html lang="it">' in client.get("/privacy?lang=it").get_data(as_text=True)


def test_unknown_language_falls_back_to_italian(client):
    page = client.get("/?lang=xx")
    assert '<html lang="it">' in page.get_data(as_text=True)


def test_healthz_answers_and_readyz_reports_the_database(client):
    # liveness only, since /readyz (tests/ops/test_health.py)
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.json["checks"]["database"]["status"] == "ok"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http: no HSTS
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_not_found_page_is_translated(client):
    italian = client.get("/nowhere")
    assert italian.status_code == 404
    assert "Pagina non trovata" in italian.get_data(as_text=True)
    english = client.get("/nowhere?lang=en")
    assert "Page not found" in english.get_data(as_text=True)


def test_page_number_past_the_cap_is_404_and_garbage_is_page_one(client, app):
    with app.test_request_context("/?page=abc"):
        assert page_number() == 1
    with app.test_request_context("/?page=-3"):
        assert page_number() == 1
    response = client.get(f"/manage/admin/users?page={app.config['CIVIC_MAX_PAGE'] + 1}")
    assert response.status_code in (302, 404)


def test_readyz_says_when_the_database_is_unreachable():
    broken = create_app({"TESTING": True,
                         "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/nothing",
                         "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == {"status": "failed", "required": True,
                                                   "error": "unavailable", "dialect": "postgresql"}


def test_the_language_switch_keeps_the_page_and_cannot_be_hijacked(client):
    page = client.get(
        "/account/reset/abc?token=other&_external=1&_scheme=javascript&q=1").get_data(as_text=True)
    assert 'href="/account/reset/abc?q=1&amp;lang=en"' in page
    assert "javascript" not in page


def test_dates_and_numbers_follow_the_language(app):
    moment = dt.datetime(2026, 1, 15, 23, 30, tzinfo=dt.UTC)  # already the 16th in Rome
    with app.test_request_context("/?lang=it"):
        assert local_date(moment) == "16 gennaio 2026"
        assert "00:30" in local_datetime(moment)
        assert format_decimal(1234.5) == "1.234,5"
    with app.test_request_context("/?lang=en"):
        assert local_date(moment) == "16 January 2026"
        assert format_decimal(1234.5) == "1,234.5"


def test_logged_in_pages_are_not_cached(client, auth, app):
    with app.app_context():
        make_user(email="citizen@example.org")
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.login()
    assert client.get("/account/").headers["Cache-Control"] == "no-store"


def test_the_policy_allows_the_font_stylesheet_of_the_address_the_site_is_served_under(client, app):
    """The policy is made once per application root: a site served under a prefix (behind a proxy) allows
    the font stylesheet of its own address, and a view that widens its own policy keeps it."""
    from civic.core.assets import FONTS, fonts_style_hash

    with app.test_request_context("/"):
        fonts = url_for("static", filename=FONTS)
    if fonts_style_hash(app.static_folder, fonts) is None:
        pytest.skip("the design kit's script is not built (make assets): the policy has no font hash")
    at_root = client.get("/").headers["Content-Security-Policy"]
    under_prefix = client.get("/", base_url="http://localhost/civic").headers["Content-Security-Policy"]
    assert f"'{fonts_style_hash(app.static_folder, fonts)}'" in at_root
    assert f"'{fonts_style_hash(app.static_folder, '/civic' + fonts)}'" in under_prefix
    assert under_prefix != at_root
    assert client.get("/").headers["Content-Security-Policy"] == at_root
