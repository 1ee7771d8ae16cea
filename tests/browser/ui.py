"""Steps a person takes in the browser, shared by the browser tests."""
from __future__ import annotations

from tests.factories import PASSWORD

# Collects CSP violations from the moment a page starts, before any script of the page runs.
CSP_RECORDER = """
document.addEventListener('securitypolicyviolation', (event) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
"""


def watch_csp(page) -> list[str]:
    """Console messages about the Content Security Policy; read the list after navigating."""
    messages: list[str] = []
    page.add_init_script(CSP_RECORDER)
    page.on("console", lambda message: messages.append(message.text)
            if "Content Security Policy" in message.text else None)
    return messages


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def log_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form, in whatever language the page is in."""
    page.goto(base_url + "/account/login")
    page.fill("main input[name=email]", email)
    page.fill("main input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
