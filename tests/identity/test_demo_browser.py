"""A newcomer signs in through the demo identity provider with the keyboard alone, in Debian's Chromium:
"Entra con SPID", "Demo IdP", a fictional resident, back to Civic through the real SAML flow, the account
created; then logs out through single logout."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from civic.database import db
from civic.identity.models import Identity

pytestmark = pytest.mark.browser
FOCUSED_TEXT = """() => { const e = document.activeElement;
    const named = e.labels && e.labels.length ? e.labels[0] : e;
    return (named.textContent || '').replace(/\\s+/g, ' ').trim(); }"""


def _tab_to(page, text: str, limit: int = 60) -> None:
    """Press Tab until the focused element reads `text` (its own text, or its label's), as a keyboard user
    moves through a page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_TEXT)
        if focused == text:
            return
    raise AssertionError(f"{text!r} never got the focus")


def test_a_newcomer_signs_in_through_the_demo_identity_provider_with_the_keyboard(demo_site, page):
    site, base = demo_site
    page.goto(base + "/account/login")
    _tab_to(page, "Entra con SPID")
    page.keyboard.press("Enter")
    _tab_to(page, "Demo IdP")
    page.keyboard.press("Enter")
    # Civic's form carries the signed request on its own; the demo identity provider shows who it is.
    expect(page.get_by_role("heading", level=1)).to_have_text("Gestore dell'identità dimostrativo")
    expect(page.get_by_role("note")).to_contain_text("Dimostrazione")
    expect(page.get_by_text("ti chiede di accedere con il livello 2")).to_be_visible()
    _tab_to(page, "Giulia Demolini (codice fiscale DMLGLI85B54F965U)")  # the radio's label is read with it
    page.keyboard.press("ArrowDown")  # the next resident
    expect(page.get_by_label("Marco Fittizi (codice fiscale FTTMRC72P03D969S)")).to_be_checked()
    _tab_to(page, "Accedi come questo residente")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Crea il tuo account")
    expect(page.get_by_label("Nome visibile agli altri")).to_have_value("Marco Fittizi")
    expect(page.get_by_label("Indirizzo e-mail")).to_have_value("marco.fittizi@example.org")
    page.get_by_label("Nome visibile agli altri").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox")).to_be_checked()
    _tab_to(page, "Crea l'account")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Buongiorno, Marco Fittizi: il tuo account è pronto.")).to_be_visible()
    with site.app_context():
        assert db.session.scalar(select(Identity)) is not None

    _tab_to(page, "Esci")  # the header's log-out goes through single logout, at the demo IdP and back
    page.keyboard.press("Enter")
    expect(page.get_by_text("Hai chiuso la sessione.")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Accedi", exact=True)).to_be_visible()


def test_cancelling_at_the_demo_identity_provider_explains_it(demo_site, page):
    _site, base = demo_site
    page.goto(base + "/account/login")
    page.get_by_text("Entra con SPID").click()
    page.get_by_role("link", name="Demo IdP").click()
    page.get_by_role("button", name="Annulla").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accesso annullato")


def test_cie_through_the_demo_identity_provider(demo_site, page):
    _site, base = demo_site
    page.goto(base + "/account/register?lang=en")
    page.get_by_role("link", name="Sign in with CIE").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo identity provider")
    page.locator("label[for=resident-anna]").click()  # the design kit draws the radio on its label
    page.get_by_role("button", name="Sign in as this resident").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    expect(page.get_by_label("E-mail address")).to_have_value("")
