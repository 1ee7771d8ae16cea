"""Script, javascript: links and event-handler attributes typed into any text field (titles, names, Markdown
texts, notes, milestones, phases, comments) reach the pages as inert text, never as markup."""
from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from civic.consultations.models import Consultation
from civic.database import db
from civic.motions.models import Motion
from tests.conftest import post_form
from tests.factories import PASSWORD, make_body, make_user

PLAIN = '<script>alert("x")</script><img src=x onerror=alert(1)> Evil'
MARKDOWN = ('[premi qui](javascript:alert(1)) <script>alert(2)</script> <img src=x onerror=alert(3)> '
            '<a href="javascript:alert(4)" onclick="alert(5)">link</a> [ok](https://example.org)')


class Inspector(HTMLParser):
    """Collects every live script, event handler and javascript: address in a page."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):
            self.problems.append("<script> without a static src")
        if tag == "img":
            self.problems.append(f"<img {attrs!r}>")


def _problems(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems


def test_every_text_field_is_inert(app, client, auth):
    with app.app_context():
        body = make_body()
        make_user("levante@example.org", councillor_of=body)
        body_id = body.id
    auth.login("levante@example.org", PASSWORD)
    assert post_form(client, "/manage/consultations/new", {
        "body_id": body_id, "title": PLAIN, "summary": PLAIN, "description": MARKDOWN, "topics": "lavoro",
    }).status_code == 302
    with app.app_context():
        consultation_id, slug = db.session.execute(select(Consultation.id, Consultation.slug)).one()
    edit = f"/manage/consultations/{consultation_id}/"
    post_form(client, edit, {}, action=f"{edit}publish")
    post_form(client, f"{edit}phases/new", {"name": PLAIN, "starts_on": "2013-05-01", "description": PLAIN})
    assert post_form(client, "/manage/motions/new", {
        "body_id": body_id, "consultation_id": consultation_id, "title": PLAIN, "identifier": PLAIN[:60],
        "text": MARKDOWN, "other_proposers": PLAIN, "topics": "lavoro",
    }).status_code == 302
    with app.app_context():
        motion_id = db.session.scalar(select(Motion.id))
    post_form(client, f"/manage/motions/{motion_id}/", {}, action=f"/manage/motions/{motion_id}/file")
    assert post_form(client, f"/manage/motions/{motion_id}/vote", {
        "voted_on": "2013-05-16", "result": "approved", "outcome_note": MARKDOWN,
        "roll_call": "<b onmouseover=alert(1)>Rossi</b>: sì",
    }).status_code == 302
    assert post_form(client, f"/manage/motions/{motion_id}/milestones/new",
                     {"title": PLAIN, "description": MARKDOWN}).status_code == 302
    assert post_form(client, f"/motions/{motion_id}", {"text": PLAIN},
                     action=f"/comments/motion/{motion_id}/new").status_code == 302
    assert post_form(client, f"/consultations/{slug}/", {"text": PLAIN},
                     action=f"/comments/consultation/{consultation_id}/new").status_code == 302

    pages = ["/", "/consultations/", f"/consultations/{slug}/", "/motions/", f"/motions/{motion_id}",
             "/manage/consultations/", edit, "/manage/motions/", f"/manage/motions/{motion_id}/",
             f"/manage/motions/{motion_id}/vote"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert _problems(html) == [], url
        # The text is there, shown as text (so this test would notice markup getting through).
        assert "&lt;script&gt;" in html or "alert(" not in html, url
    motion_page = client.get(f"/motions/{motion_id}").get_data(as_text=True)
    # title, proposer, comment
    assert motion_page.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 3
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in motion_page
    assert "Rossi" in motion_page
