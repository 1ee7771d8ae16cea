"""The account journey in a real browser: register, confirm through the e-mail, log in, log out."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.ui import log_in
from tests.factories import make_user
from tests.support.mail import deliver, links_in, path_of

pytestmark = pytest.mark.browser

PASSWORD = "una frase abbastanza lunga"


def test_register_confirm_log_in_and_log_out(app, live_server, page, mail_server):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Registrati", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrati")

    page.get_by_label("Indirizzo e-mail").fill("giulia@example.org")
    page.get_by_label("Nome visibile agli altri").fill("Giulia Rossi")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Ripeti la password").fill(PASSWORD)
    # The design kit draws the box on the label, as people see it: they click the label.
    page.locator("label[for=privacy]").click()
    expect(page.get_by_label("Ho letto l'informativa sulla privacy")).to_be_checked()
    page.get_by_role("button", name="Crea l'account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controlla la tua casella e-mail")

    deliver(app)
    [mail] = mail_server.messages_to("giulia@example.org")
    [link] = links_in(mail_server.text_of(mail))
    page.goto(live_server.url + path_of(link))
    page.get_by_role("button", name="Conferma").click()
    expect(page.get_by_text("Grazie: il tuo indirizzo e-mail è confermato.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accedi")

    page.get_by_label("Indirizzo e-mail").fill("giulia@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    expect(page.get_by_text("Buongiorno, Giulia Rossi.")).to_be_visible()

    page.get_by_role("link", name="Giulia Rossi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Il tuo account")
    expect(page.get_by_text("confermato", exact=True)).to_be_visible()

    page.get_by_role("button", name="Esci").click()
    expect(page.get_by_text("Hai chiuso la sessione.")).to_be_visible()
    page.goto(live_server.url + "/account/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accedi")


def test_a_mistake_in_the_form_is_explained_next_to_the_field(app, live_server, page):
    page.goto(live_server.url + "/account/register")
    page.get_by_label("Indirizzo e-mail").fill("giulia@example")
    page.get_by_label("Nome visibile agli altri").fill("Giulia")
    page.get_by_label("Password", exact=True).fill("corta")
    page.get_by_label("Ripeti la password").fill("corta")
    page.get_by_role("button", name="Crea l'account").click()
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password-error")).to_have_text(
        "La password deve essere lunga da 12 a 128 caratteri.")
    expect(page.locator("#privacy-error")).to_contain_text("Per registrarti devi accettare")
    # The summary links to the fields.
    page.get_by_role("alert").get_by_role("link", name="Password", exact=True).click()
    expect(password).to_be_focused()


def test_logging_in_with_the_keyboard_only(app, live_server, page):
    with app.app_context():
        make_user(email="tastiera@example.org", name="Tina Tastiera")
    page.goto(live_server.url + "/account/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Vai al contenuto"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Indirizzo e-mail")).to_be_focused()
    page.keyboard.type("tastiera@example.org")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Buongiorno, Tina Tastiera.")).to_be_visible()


def test_english_log_in(app, live_server, page):
    with app.app_context():
        make_user(email="visitor@example.org", name="Visitor")
    page.goto(live_server.url + "/?lang=en")
    log_in(page, live_server.url, "visitor@example.org")
    expect(page.get_by_text("Welcome, Visitor.")).to_be_visible()
