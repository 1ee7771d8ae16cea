"""After a failed submit every form says what went wrong the same way: the one error summary of
templates/_forms.html (announced, focused, a link to each field) and a page title starting with "Error:"."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import post_form
from tests.factories import make_user
from tests.support.checks import assert_valid_html

TEMPLATES = Path(__file__).resolve().parents[2] / "civic" / "templates"
SUMMARY = re.compile(r"\b(form_errors|error_summary|survey_form)\(")


def _source(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _with_parents(name: str) -> str:
    """A template's source with the sources of the templates it extends."""
    text = _source(name)
    parent = re.search(r'{%\s*extends\s+"([^"]+)"', text)
    return text + (_with_parents(parent.group(1)) if parent else "")


def _field_forms() -> list[str]:
    """Templates with a POST form whose fields can be refused: they draw fields or their errors."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if 'method="post"' in text and re.search(r"\bfield\(|\.errors\b|{% block (fields|form) %}", text):
            found.append(str(path.relative_to(TEMPLATES)))
    return found


# Forms whose refusals another page shows: each with where.
REFUSED_ELSEWHERE = {
    "comments/_box.html": "a refused comment comes back on comments/form.html, with the summary",
    "meetings/manage/meeting.html": "a refused cancellation is a flashed message after a redirect",
    "surveys/manage/builder.html": "its POST forms are buttons; the question picker is a GET form",
}


def test_every_form_that_can_be_refused_draws_the_shared_error_summary():
    forms = _field_forms()
    assert len(forms) > 20 and set(REFUSED_ELSEWHERE) <= set(forms)
    missing = [name for name in forms
               if name not in REFUSED_ELSEWHERE and not SUMMARY.search(_with_parents(name))]
    assert missing == []


def test_no_template_draws_an_error_summary_of_its_own():
    drawn = re.compile(r'alert-danger[^"]*" role="alert"|id="form-errors"')
    own = [str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
           if path.name != "_forms.html" and drawn.search(path.read_text(encoding="utf-8"))]
    assert own == []


def test_the_summary_is_announced_focused_and_links_to_each_field(client):
    response = post_form(client, "/account/register", {"email": "not an address", "display_name": "",
                                                       "password": "x", "password_confirm": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert re.search(r"<title>Errore: ", html)
    summary = re.search(r'<div class="alert alert-danger civic-error-summary"([^>]*)>(.*?)</div>', html, re.S)
    assert summary, "no error summary"
    assert 'role="alert"' in summary.group(1) and 'tabindex="-1"' in summary.group(1)
    assert "autofocus" in summary.group(1) and 'id="form-errors"' in summary.group(1)
    for field in ("email", "display_name", "privacy"):
        assert f'href="#{field}"' in summary.group(2), field
    assert html.count('id="form-errors"') == 1


def test_the_title_says_error_in_english_too_and_only_after_a_failed_submit(app, client):
    with app.app_context():
        make_user(email="citizen@example.org")
    page = client.get("/account/login?lang=en").get_data(as_text=True)
    assert "<title>Error:" not in page
    failed = post_form(client, "/account/login", {"email": "", "password": ""}).get_data(as_text=True)
    assert re.search(r"<title>Error: Log in", failed), re.search(r"<title>.*</title>", failed).group(0)


@pytest.mark.html
def test_pages_with_an_error_summary_or_a_scrolling_table_are_valid_html(app, client, auth):
    with app.app_context():
        make_user(email="admin@example.org", admin=True)
    documents = {
        "register, refused": post_form(client, "/account/register", {"email": "x"}).get_data(as_text=True),
        "login, refused": post_form(client, "/account/login", {"email": ""}).get_data(as_text=True),
    }
    auth.login("admin@example.org")
    documents["accounts (a scrolling table)"] = client.get("/manage/admin/users").get_data(as_text=True)
    documents["new body, refused"] = post_form(client, "/manage/admin/bodies/new", {}).get_data(as_text=True)
    assert all('id="form-errors"' in html for name, html in documents.items() if "refused" in name)
    assert 'role="region"' in documents["accounts (a scrolling table)"]
    assert_valid_html(documents)
