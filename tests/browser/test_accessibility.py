"""axe-core finds no WCAG 2.1 AA violation on the pages everyone meets, in Italian and in English; the CSP
blocks nothing the pages need; the design kit's fonts load; the skip link comes first."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.ui import csp_violations, log_in, watch_csp
from tests.factories import make_user
from tests.support.checks import assert_accessible

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", "/account/login", "/account/register"]


@pytest.mark.parametrize("lang", ["it", "en"])
def test_public_pages_have_no_accessibility_violations(live_server, page, lang):
    for path in PUBLIC_PAGES + (["/privacy", "/accessibility", "/account/reset"] if lang == "it" else []):
        page.goto(f"{live_server.url}{path}?lang={lang}")
        assert page.evaluate("document.documentElement.lang") == lang
        assert_accessible(page)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_account_pages_have_no_accessibility_violations(app, live_server, page, lang):
    with app.app_context():
        make_user(email="profilo@example.org", name="Paola Profilo", confirmed=False)
    page.goto(f"{live_server.url}/?lang={lang}")
    log_in(page, live_server.url, "profilo@example.org")
    for path in ("/account/", "/account/password", "/account/email"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.lang") == lang
        assert_accessible(page)


def test_a_form_with_errors_has_no_accessibility_violations(live_server, page):
    page.goto(live_server.url + "/account/register")
    page.get_by_role("button", name="Crea l'account").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)


def test_error_and_admin_pages_have_no_accessibility_violations(app, live_server, page):
    with app.app_context():
        make_user(email="admin@example.org", name="Ada Admin", admin=True)
    page.goto(live_server.url + "/no-such-page")
    assert_accessible(page)
    log_in(page, live_server.url, "admin@example.org")
    for path in ("/manage/admin/users", "/manage/admin/users/1/roles", "/manage/admin/bodies/new"):
        page.goto(live_server.url + path)
        assert_accessible(page)


def test_no_csp_violations_and_the_fonts_load(live_server, page):
    console = watch_csp(page)
    for path in ("/", "/account/login", "/account/register"):
        page.goto(live_server.url + path)
        # check() is also true for a family nobody declared, so wait for a loaded face of the family itself.
        page.wait_for_function("""() => [...document.fonts]
            .some(f => f.family.replace(/["']/g, '') === 'Titillium Web' && f.status === 'loaded')""")
        page.evaluate("document.fonts.ready.then(() => true)")
        assert page.evaluate("""document.fonts.check('16px "Titillium Web"')""")
        assert csp_violations(page) == [], path
    assert console == []


def test_the_skip_link_is_the_first_stop_of_the_keyboard(live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Vai al contenuto")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_every_page_works_without_javascript(app, browser, live_server):
    with app.app_context():
        make_user(email="nojs@example.org", name="Nora Nojs")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "nojs@example.org")
        expect(page.get_by_text("Buongiorno, Nora Nojs.")).to_be_visible()
        page.get_by_role("button", name="Esci").click()
        expect(page.get_by_text("Hai chiuso la sessione.")).to_be_visible()
    finally:
        context.close()
