"""The "your data" and "delete your account" pages are valid HTML (W3C Nu checker) and have no axe-core
WCAG 2.1 AA violation in Chromium, in Italian and in English; a person deletes her account with the keyboard
alone."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.database import db
from tests.accounts.people import ADA, CARLA
from tests.browser.ui import log_in
from tests.conftest import AuthActions, post_form
from tests.factories import PASSWORD
from tests.support.checks import assert_accessible, assert_valid_html


@pytest.mark.html
def test_the_pages_are_valid_html(app, client, scene):
    AuthActions(client).login(CARLA)
    documents = {
        "profile": client.get("/account/"),
        "data": client.get("/account/data"),
        "data (en)": client.get("/account/data?lang=en"),
        "delete": client.get("/account/delete"),
        "delete with errors": post_form(client, "/account/delete", {"current_password": "wrong"}),
    }
    admin = app.test_client()
    AuthActions(admin).login(ADA)
    documents["delete refused to the last administrator"] = admin.get("/account/delete")
    assert documents["delete with errors"].status_code == 422
    refused = documents["delete refused to the last administrator"].get_data(as_text=True)
    assert "Sei l&#39;unico amministratore." in refused
    assert_valid_html({name: response.get_data(as_text=True) for name, response in documents.items()})


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_pages_have_no_axe_violations(live_server, page, scene, lang):
    base = live_server.url
    page.goto(f"{base}/?lang={lang}")
    log_in(page, base, CARLA)
    for path in ("/account/", "/account/data", "/account/delete"):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.lang") == lang
        assert_accessible(page)
    page.locator("main form button[type=submit]").click()  # nothing filled in: the errors show
    page.wait_for_load_state()
    assert page.locator("#form-errors").is_visible()
    assert_accessible(page)
    page.context.clear_cookies()
    log_in(page, base, ADA)
    page.goto(base + "/account/delete")
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)


@pytest.mark.browser
def test_a_person_downloads_her_data_and_deletes_her_account_with_the_keyboard(app, live_server, page, scene):
    base = live_server.url
    log_in(page, base, CARLA)
    page.goto(base + "/account/")
    page.get_by_role("link", name="Scarica i tuoi dati").click()
    with page.expect_download() as started:
        page.get_by_role("link", name="Scarica i miei dati").click()
    assert started.value.suggested_filename.startswith("civic-my-data-")

    page.goto(base + "/account/")
    page.get_by_role("link", name="Cancella il tuo account").click()
    page.get_by_label("Password attuale").focus()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.get_by_role("checkbox").is_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    assert page.get_by_text("Il tuo account è stato cancellato.").is_visible()
    assert_accessible(page)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == CARLA)) is None
