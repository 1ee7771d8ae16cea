"""Every page of SPID and CIE sign-in is valid HTML (W3C Nu checker) and has no axe-core WCAG 2.1 AA violation
in Chromium at 1280 and 390 pixels wide, in Italian and in English: the buttons on the log-in and registration
pages (their menu open), the way to the identity provider, the demo identity provider's pages, the account to
create, and a refusal."""
from __future__ import annotations

import html
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import csrf_token
from tests.factories import make_user
from tests.identity.conftest import GIULIA, form_fields
from tests.support.checks import assert_accessible, assert_valid_html


def _demo_flow(client, base: str, action: str = "sign_in", lang: str = "it") -> dict:
    """The pages of one sign-in through the demo identity provider, as the test client sees them."""
    pages = {}
    client.get(f"/?lang={lang}")
    demo = f"{base}/demo-idp/metadata"
    pages["to the identity provider"] = client.get("/spid/login", query_string={"idp": demo})
    _action, fields = form_fields(pages["to the identity provider"].get_data(as_text=True))
    pages["demo: choose"] = client.post("/demo-idp/sso", data=fields)
    choose = pages["demo: choose"].get_data(as_text=True)
    carried = {name: html.unescape(value)
               for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', choose)}
    pages["demo: back"] = client.post("/demo-idp/sso/continue",
                                      data={**carried, "csrf_token": csrf_token(choose), "resident": "giulia",
                                            "action": action})
    _action, fields = form_fields(pages["demo: back"].get_data(as_text=True))
    pages["finish"] = client.post("/spid/acs", data=fields, follow_redirects=True)
    return pages


@pytest.mark.html
def test_the_pages_are_valid_html(demo_site):
    site, base = demo_site
    client = site.test_client()
    documents = {"log in": client.get("/account/login"),
                 "register (en)": client.get("/account/register?lang=en")}
    for name, response in _demo_flow(client, base).items():
        documents[name] = response
    assert documents["finish"].status_code == 200
    finish = documents["finish"].get_data(as_text=True)
    action = html.unescape(re.search(r'<form method="post" action="(/spid/finish/[^"]+)"', finish).group(1))
    documents["new account with errors"] = client.post(action, data={"csrf_token": csrf_token(finish),
                                                                      "display_name": "", "email": "x"})
    assert documents["new account with errors"].status_code == 422
    documents["cancelled (en)"] = _demo_flow(site.test_client(), base, action="cancel", lang="en")["finish"]
    assert documents["cancelled (en)"].status_code == 403
    with site.app_context():
        make_user(email=GIULIA.email)
    documents["e-mail of an account"] = _demo_flow(site.test_client(), base)["finish"]
    assert documents["e-mail of an account"].status_code == 409
    assert_valid_html({name: response.get_data(as_text=True) for name, response in documents.items()})


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_pages_have_no_axe_violations(demo_site, page, lang, width):
    _site, base = demo_site
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{base}/account/register?lang={lang}")
    assert_accessible(page)
    page.goto(f"{base}/account/login")
    page.locator("details.civic-spid summary").click()
    expect(page.get_by_role("link", name="Demo IdP")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Demo IdP").click()
    expect(page.get_by_role("note")).to_be_visible()
    assert_accessible(page)  # the demo identity provider
    page.locator("main form button[value=sign_in]").click()
    expect(page.locator("#privacy")).to_be_attached()
    assert_accessible(page)  # the account to create
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#form-errors")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/spid/login?idp=https://unknown.example")
    assert_accessible(page)  # a refusal
