"""What a keyboard or screen-reader user meets in Chromium: after a failed submit the focus is on the error
summary, which is announced and links to each field, and the title starts with "Errore:"/"Error:", with and
without JavaScript; tables wider than a phone are regions the keyboard reaches and scrolls; axe-core finds
nothing at 390 and 1280 pixels on the pages with such tables."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import make_user
from tests.meetings.test_pages_quality import log_in
from tests.results.test_pages_quality import _pages, scene  # noqa: F401  (the fixture)
from tests.support.checks import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize("lang, prefix, field", [("it", "Errore: ", "Indirizzo e-mail"),
                                                 ("en", "Error: ", "E-mail address")])
def test_a_failed_submit_puts_the_focus_on_the_announced_error_summary(browser, live_server, javascript, lang,
                                                                        prefix, field):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/account/register?lang={lang}")
        assert not page.title().startswith(prefix)
        page.fill("main input[name=email]", "not an address")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        summary = page.locator("#form-errors")
        expect(summary).to_be_focused()
        expect(summary).to_have_attribute("role", "alert")
        assert page.title().startswith(prefix)
        link = summary.get_by_role("link", name=field)
        expect(link).to_be_visible()
        link.click()
        expect(page.locator("main input[name=email]")).to_be_focused()
    finally:
        context.close()


def test_a_failed_councillor_form_focuses_its_summary_too(app, page, live_server):
    with app.app_context():
        make_user(email="admin@example.org", name="Ada Admin", admin=True)
    log_in(page, live_server.url, "admin@example.org")
    page.goto(live_server.url + "/manage/admin/bodies/new")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#form-errors")).to_be_focused()
    assert page.title().startswith("Errore: ")
    assert_accessible(page)


def _check_regions(page) -> int:
    """Every scrolling table is a labelled region in the keyboard's order; returns how many overflow now."""
    regions = page.locator(".table-responsive")
    overflowing = 0
    for index in range(regions.count()):
        region = regions.nth(index)
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("role") == "region"
        assert (region.get_attribute("aria-label") or "").strip()
        if region.evaluate("element => element.scrollWidth > element.clientWidth"):
            overflowing += 1
            region.focus()
            page.keyboard.press("ArrowRight")
            page.keyboard.press("End")
            # Chromium scrolls smoothly: wait for the region to have moved.
            page.wait_for_function("region => region.scrollLeft > 0", arg=region.element_handle(),
                                   timeout=5000)
    return overflowing


@pytest.mark.parametrize("width", [390, 1280])
def test_wide_tables_are_regions_the_keyboard_scrolls_and_axe_finds_nothing(app, page, live_server, scene,  # noqa: F811
                                                                              width):
    with app.app_context():
        make_user(email="admin@example.org", name="Ada Admin", admin=True)
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    overflowing = 0
    for url in _pages(scene).values():
        page.goto(base + url)
        assert_accessible(page)
        overflowing += _check_regions(page)
    log_in(page, base, scene["councillor"])
    for url in (f"/manage/consultations/{scene['slug']}/dashboard", "/manage/results/"):
        page.goto(base + url)
        assert_accessible(page)
        overflowing += _check_regions(page)
    page.goto(base + "/account/logout")
    log_in(page, base, "admin@example.org")
    for url in ("/manage/admin/users", "/manage/admin/audit"):
        page.goto(base + url)
        assert_accessible(page)
        overflowing += _check_regions(page)
    if width == 390:
        assert overflowing >= 3, "at phone width some tables scroll sideways: the test would prove nothing"
