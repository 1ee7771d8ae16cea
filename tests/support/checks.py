"""Real validators: axe-core in the browser, the W3C Nu HTML checker (vnu.jar on the machine's Java)."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import weakref
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

_axe = Axe()


# The page as a browser without JavaScript shows it: <noscript> opened, no script.
_AS_SERVED = """() => {
  const copy = document.documentElement.cloneNode(true);
  copy.querySelectorAll('script').forEach((node) => node.remove());
  copy.querySelectorAll('noscript').forEach((node) => node.replaceWith(...node.childNodes));
  return '<!DOCTYPE html>' + copy.outerHTML;
}"""


_TIMERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # browser context -> whether timers run


def _timers_run(page) -> bool:
    """Whether the page's timers fire (asked once per browser context). In a context with JavaScript off they
    never do, so axe-core (whose run waits on timers) would never answer, and Playwright's evaluate has no
    timeout: a test that ran axe there hung for good."""
    if page.context not in _TIMERS:
        page.evaluate("setTimeout(() => { window.__civicTicked = true; }, 0)")
        try:
            page.wait_for_function("window.__civicTicked === true", timeout=1500)
        except PlaywrightTimeoutError:
            _TIMERS[page.context] = False
        else:
            _TIMERS[page.context] = True
    return _TIMERS[page.context]


def axe_violations(page, widths: tuple[int, ...] = ()) -> list[str]:
    """WCAG 2.1 A and AA violations axe-core finds on the page, one line each ("" when none); at each of
    `widths` (the page is left at its own size afterwards), or at the page's size.

    A page of a context with JavaScript off is checked as it stands: its document (noscript content shown,
    scripts dropped) is served at the same address, with the same viewport, to a page that may run axe-core
    but loads no script of its own."""
    if _timers_run(page):
        return _axe_at(page, widths)
    html, url = page.evaluate(_AS_SERVED), page.url
    context = page.context.browser.new_context(viewport=page.viewport_size)
    try:
        copy = context.new_page()
        copy.set_default_timeout(10_000)

        def serve(route):
            if route.request.url == url:
                route.fulfill(body=html, content_type="text/html; charset=utf-8")
            elif route.request.resource_type == "script":
                route.abort()
            else:
                route.continue_()

        copy.route("**/*", serve)
        copy.goto(url)
        return _axe_at(copy, widths)
    finally:
        context.close()


def _axe_at(page, widths: tuple[int, ...]) -> list[str]:
    if not widths:
        return _axe_lines(page)
    size, lines = page.viewport_size, []
    for width in widths:
        page.set_viewport_size({"width": width, "height": (size or {}).get("height", 900)})
        lines += [f"{line} [{width} px]" for line in _axe_lines(page)]
    if size:
        page.set_viewport_size(size)
    return lines


def _axe_lines(page) -> list[str]:
    results = _axe.run(page, options=WCAG_AA)
    lines = []
    for violation in results.response["violations"]:
        targets = [" ".join(node["target"]) for node in violation["nodes"]][:5]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return lines


def assert_accessible(page, widths: tuple[int, ...] = ()) -> None:
    violations = axe_violations(page, widths)
    assert violations == [], f"axe found violations on {page.url}:\n" + "\n".join(violations)


def html_errors(documents: dict[str, str]) -> dict[str, list[str]]:
    """Run the Nu checker once over several HTML documents (name -> HTML); returns name -> error lines."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        reason = "java is not installed" if java is None else "vnu.jar is missing (run make assets)"
        if IN_CI:
            pytest.fail(f"the Nu HTML checker is required under CI: {reason}")
        pytest.skip(f"W3C Nu checker unavailable: {reason}")
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for index, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"page{index}.html"
            path.write_text(html, encoding="utf-8")
            paths[str(path)] = name
        result = subprocess.run(
            [java, "-Xss1m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *paths],
            capture_output=True, text=True, timeout=180,
        )
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors: dict[str, list[str]] = {name: [] for name in documents}
    for message in report.get("messages", []):
        url = message.get("url", "").removeprefix("file:")
        name = paths.get(url, url)
        errors.setdefault(name, []).append(
            f"line {message.get('lastLine')}: {message.get('message')} "
            f"[{message.get('extract', '').strip()[:80]}]"
        )
    return errors


def assert_valid_html(documents: dict[str, str]) -> None:
    errors = {name: lines for name, lines in html_errors(documents).items() if lines}
    assert errors == {}, "Nu checker errors:\n" + json.dumps(errors, indent=2, ensure_ascii=False)
