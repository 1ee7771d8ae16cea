"""Civic loads the design kit's smaller script (bootstrap-italia.min.js, without the bundle's video player,
carousel and animation libraries, which no page uses): it starts without an error, and the phone menu, the
one collapsing component of the pages, opens."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_phone_menu_opens_without_a_script_error(live_server, page):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(live_server.url + "/?lang=en")
    assert page.evaluate("typeof window.bootstrap.NavBarCollapsible") == "function"
    menu = page.locator("#main-nav .navbar-nav")
    expect(menu).to_be_hidden()
    toggler = page.get_by_role("button", name="Show or hide the menu")
    toggler.click()
    expect(menu).to_be_visible()
    expect(page.locator("#main-nav").get_by_role("link").first).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bexpanded\b"))
    assert errors == []


def test_on_a_desktop_the_menu_is_open_without_a_click(live_server, page):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/?lang=en")
    expect(page.locator("#main-nav .navbar-nav")).to_be_visible()
    expect(page.get_by_role("button", name="Show or hide the menu")).to_be_hidden()
    assert errors == []
