"""Features declare what they add, and the platform reads only the list: every declared address and template
exists, the order of the list is the order people see, and a site built with fewer features works without them
(the platform never needed them)."""
from __future__ import annotations

import re

import pytest
from flask import Flask

from civic import create_app
from civic.api.feature import feature as open_data
from civic.comments.feature import feature as comments
from civic.consultations.feature import feature as consultations
from civic.core import features
from civic.database import db
from civic.features import FEATURES
from tests.comments.factories import make_comment
from tests.conftest import TEST_CONFIG, csrf_token
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user


def test_every_declared_address_and_template_exists(app):
    endpoints = set(app.view_functions)
    declared = [link.endpoint for part in ("menu", "manage", "admin") for link in features.each(part, app)]
    declared += [feed.endpoint for feed in features.each("feeds", app)]
    assert set(declared) <= endpoints
    templates = [section.template for part in ("home", "consultation", "dashboard", "open_data")
                 for section in features.each(part, app)]
    for template in templates:
        assert app.jinja_env.get_template(template) is not None
    assert [feature.name for feature in features.installed(app)] == [feature.name for feature in FEATURES]


def test_the_menu_follows_the_list_of_features(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    nav = page[page.index('<ul class="navbar-nav'):]
    labels = re.findall(r'class="nav-link[^"]*" href="[^"]+"[^>]*><span>([^<]+)</span>', nav)
    assert labels[:6] == ["Consultations", "Motions", "Meetings", "Surveys", "Calls for interest",
                          "Open data"]


@pytest.fixture
def small_site(app, database_url) -> Flask:
    """The same database, served by a site with consultations, comments and open data only."""
    site = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url},
                      features=[consultations, comments, open_data])
    yield site
    with site.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_site_without_motions_meetings_surveys_and_calls_still_works(small_site):
    with small_site.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, "Uno spazio di coworking", slug="coworking")
        ada = make_user("ada@example.org", name="Ada Lovelace")
        make_user("admin@example.org", admin=True)
        make_comment(ada, "Serve una sala riunioni.", consultation=consultation)
    client = small_site.test_client()

    home = client.get("/?lang=en").get_data(as_text=True)
    assert "Open consultations" in home and "Recent motions" not in home
    assert 'href="/motions/"' not in home and 'href="/open-data"' in home
    assert client.get("/motions/").status_code == 404
    page = client.get("/consultations/coworking/?lang=en").get_data(as_text=True)
    assert "Serve una sala riunioni." in page and 'id="comments"' in page
    assert client.get("/open-data?lang=en").status_code == 200
    assert "/v1/motions" not in client.get("/api/openapi.json").get_json()["paths"]

    login = client.get("/account/login").get_data(as_text=True)
    client.post("/account/login", data={"email": "ada@example.org", "password": PASSWORD,
                                        "csrf_token": csrf_token(login)})
    data_page = client.get("/account/data?lang=en").get_data(as_text=True)
    kinds = re.findall(r'<th scope="row">([^<]+)</th>', data_page)
    assert kinds == ["Profile", "Comments"]
    download = client.get("/account/data/download").get_json()
    assert set(download) == {"format", "version", "generated_at", "profile", "comments", "audit_log"}
    assert download["comments"][0]["on"] == {"type": "consultation", "id": 1,
                                             "title": "Uno spazio di coworking"}
    deleted = client.post("/account/delete", data={"current_password": PASSWORD, "confirm": "y",
                                                   "csrf_token": csrf_token(client.get("/account/delete")
                                                                            .get_data(as_text=True))})
    assert deleted.status_code == 302

    client.post("/account/login", data={"email": "admin@example.org", "password": PASSWORD,
                                        "csrf_token": csrf_token(client.get("/account/login")
                                                                 .get_data(as_text=True))})
    manage = client.get("/manage/?lang=en").get_data(as_text=True)
    assert 'href="/manage/consultations/"' in manage and "/manage/motions/" not in manage
    dashboard = client.get("/manage/consultations/coworking/dashboard?lang=en").get_data(as_text=True)
    assert '<dd id="people">' in dashboard and 'id="motions"' not in dashboard


def test_demo_loads_what_the_site_has(small_site):
    result = small_site.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "consultation coworking-genova-levante" in result.output and "motion" not in result.output
