"""Invitations: the councillor's page and the invitee's pages are valid HTML and pass axe in Chromium at 1280
and 390 pixels (Italian and English), the invitee answers in the browser from the link in the e-mail, and
twenty browsers sending the same invitation at once against gunicorn store one response."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.ui import log_in
from tests.conftest import AuthActions, post_form
from tests.support.checks import assert_accessible, assert_valid_html
from tests.support.mail import last_link, open_link
from tests.surveys.concurrency_support import PARALLEL, TIMEOUT, token
from tests.surveys.support import counts, release_held

PAGE = "/manage/surveys/{id}/invitations"


@pytest.mark.html
def test_invitation_pages_are_valid_html(app, client, closed_list):
    AuthActions(client).login("consigliere@example.org")
    url = PAGE.format(id=closed_list.id)
    documents = {"invitations, none": client.get(url).get_data(as_text=True)}
    bad = post_form(client, url, {"addresses": "anna@example.org\nnon valido"})
    assert bad.status_code == 422
    documents["invitations, bad line"] = bad.get_data(as_text=True)
    post_form(client, url, {"addresses": "anna@example.org\nbruno@example.org"})
    documents["invitations, listed"] = client.get(f"{url}?lang=en").get_data(as_text=True)
    invitee = app.test_client()
    documents["survey, not invited"] = invitee.get(f"/surveys/{closed_list.id}").get_data(as_text=True)
    open_link(invitee, last_link(app, "anna@example.org", "/invitation/"))
    documents["survey, invited"] = invitee.get(f"/surveys/{closed_list.id}").get_data(as_text=True)
    assert_valid_html(documents)


@pytest.mark.browser
@pytest.mark.parametrize(("width", "lang"), [(1280, "it"), (390, "en")])
def test_the_councillor_invites_and_the_invitee_answers_in_the_browser(app, live_server, page, closed_list,
                                                                       width, lang):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "consigliere@example.org")
    page.goto(f"{live_server.url}{PAGE.format(id=closed_list.id)}?lang={lang}")
    assert_accessible(page)
    addresses = page.locator("textarea[name=addresses]")
    addresses.fill("anna@example.org\nnot an address")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    assert_accessible(page)
    page.locator("textarea[name=addresses]").fill("anna@example.org\nbruno@example.org")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#invitation-counts")).to_contain_text("2")
    assert_accessible(page)

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/surveys/{closed_list.id}?lang={lang}")
    assert page.locator(f"input[name={closed_list.field}]").count() == 0
    assert_accessible(page)
    page.goto(live_server.url + last_link(app, "anna@example.org", "/invitation/"))
    assert page.url.endswith(f"/surveys/{closed_list.id}")  # the token left the address at once
    assert_accessible(page)
    page.locator("main label", has_text="Sì").click()
    expect(page.locator(f"input[name={closed_list.field}][value='{closed_list.yes}']")).to_be_checked()
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(f"{live_server.url}/surveys/{closed_list.id}/thanks")
    assert_accessible(page)
    page.goto(f"{live_server.url}/surveys/{closed_list.id}")
    assert page.locator(f"input[name={closed_list.field}]").count() == 0
    assert_accessible(page)


@pytest.mark.slow
def test_twenty_browsers_sending_one_invitation_at_once_store_one_response(app, gunicorn_server, closed_list,
                                                                            in_db):
    """Each browser has its own session and survey cookie, so the participation ledger does not stop them:
    the invitation's atomic change does."""
    client = app.test_client()
    AuthActions(client).login("consigliere@example.org")
    post_form(client, PAGE.format(id=closed_list.id), {"addresses": "anna@example.org"})
    link = gunicorn_server.url + last_link(app, "anna@example.org", "/invitation/")
    url = f"{gunicorn_server.url}/surveys/{closed_list.id}"
    browsers = [requests.Session() for _ in range(PARALLEL)]
    forms = []
    for browser in browsers:
        assert browser.get(link, timeout=TIMEOUT).url == url
        forms.append(browser.get(url, timeout=TIMEOUT).text)
    barrier = threading.Barrier(PARALLEL)

    def send(index: int) -> int:
        barrier.wait(timeout=TIMEOUT)
        return browsers[index].post(url, allow_redirects=False, timeout=TIMEOUT, data={
            "csrf_token": token(forms[index]), closed_list.field: closed_list.yes}).status_code

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = list(pool.map(send, range(PARALLEL)))
    for browser in browsers:
        browser.close()
    assert statuses == [302] * PARALLEL, statuses
    assert in_db(release_held, closed_list.id) == 1
    assert in_db(counts) == (1, 1, 1)
