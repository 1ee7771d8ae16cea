"""The outbox page is valid HTML (W3C Nu checker) and has no axe-core WCAG 2.1 AA violation in Chromium, in
Italian and in English, with messages to show and without; an administrator sends a failed message again
with the keyboard alone."""
from __future__ import annotations

import pytest

from civic.outbox.models import MessageStatus
from tests.browser.ui import log_in
from tests.conftest import AuthActions, post_form
from tests.outbox.helpers import ADMIN, PAGE, messages_in_every_state, rows
from tests.support.checks import assert_accessible, assert_valid_html


@pytest.mark.html
def test_the_page_is_valid_html(app, client, admin_account):
    AuthActions(client).login(ADMIN)
    documents = {"empty (it)": client.get(PAGE), "empty (en)": client.get(PAGE + "?lang=en")}
    assert "Nessun messaggio richiede attenzione" in documents["empty (it)"].get_data(as_text=True)
    # Messages in every state, on a page with a message flashed after sending one again.
    ids = messages_in_every_state(app)
    documents["with messages (en)"] = client.get(PAGE + "?lang=en")
    documents["sent again (it)"] = post_form(client, PAGE + "?lang=it", {},
                                             action=f"{PAGE}{ids['failed']}/retry", follow_redirects=True)
    assert all(response.status_code == 200 for response in documents.values())
    assert_valid_html({name: response.get_data(as_text=True) for name, response in documents.items()})


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_page_has_no_axe_violations(app, live_server, page, admin_account, outbox, lang):
    base = live_server.url
    page.goto(f"{base}/?lang={lang}")
    log_in(page, base, ADMIN)
    page.goto(base + PAGE)
    assert page.evaluate("document.documentElement.lang") == lang
    tab = page.get_by_role("link", name="Posta in uscita" if lang == "it" else "E-mail outbox")
    assert tab.get_attribute("aria-current") == "page"
    assert_accessible(page)


@pytest.mark.browser
def test_an_administrator_sends_a_failed_message_again_with_the_keyboard(app, live_server, page,
                                                                         admin_account, outbox):
    base = live_server.url
    log_in(page, base, ADMIN)
    page.goto(base + PAGE)
    button = page.get_by_role("button", name=f"Invia di nuovo il messaggio n. {outbox['failed']}")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text(f"Il messaggio n. {outbox['failed']} verrà inviato di nuovo").is_visible()
    assert_accessible(page)
    assert [row.status for row in rows(app) if row.id == outbox["failed"]] == [MessageStatus.PENDING]
