"""axe-core finds no WCAG 2.1 AA violation on the consultation page, the motion list and the motion page (for
a visitor, a citizen who can support and comment, and the councillor's forms); the W3C Nu checker finds the
same pages valid HTML."""
from __future__ import annotations

import pytest

from civic.bodies.services import ensure_body
from civic.consultations import demo as consultations_demo
from civic.database import db
from civic.motions import demo as motions_demo
from tests.browser.ui import log_in
from tests.comments.factories import make_comment
from tests.factories import PASSWORD, make_user
from tests.support.checks import assert_accessible, assert_valid_html


@pytest.fixture
def genova(app):
    """The Genova demo story, with a comment thread and a citizen and a councillor who can log in."""
    with app.app_context():
        genova = ensure_body("comune-di-genova", "Comune di Genova")
        levante = ensure_body("municipio-ix-levante", "Municipio IX Levante", parent=genova)
        context = {"bodies": {"genova": genova, "levante": levante}, "people": {}}
        consultation = consultations_demo.load(context, echo=lambda _line: None)["genova"]
        motion = motions_demo.load(context, echo=lambda _line: None)["genova"]
        citizen = make_user("giulia@example.org", "Giulia Rossi")
        make_user("levante@example.org", "Consigliera Levante", councillor_of=levante)
        first = make_comment(citizen, "Serve anche a Sturla.\nE a Quinto.", motion=motion)
        make_comment(make_user(name="Marco Bruzzone"), "D'accordo.", motion=motion, parent=first)
        make_comment(citizen, "Quando parte il tavolo?", consultation=consultation)
        db.session.commit()
        return {"slug": consultation.slug, "motion": motion.id, "consultation": consultation.id}


def _pages(data) -> list[str]:
    return [f"/consultations/{data['slug']}/", "/consultations/", "/motions/",
            "/motions/?q=coworking&year=2013", f"/motions/{data['motion']}"]


def _manage_pages(data) -> list[str]:
    return [f"/manage/consultations/{data['consultation']}/", "/manage/motions/",
            f"/manage/motions/{data['motion']}/", f"/manage/motions/{data['motion']}/vote",
            f"/manage/motions/{data['motion']}/milestones/new", "/manage/consultations/new",
            f"/manage/consultations/{data['consultation']}/phases/new"]



@pytest.mark.browser
@pytest.mark.parametrize("lang", ["it", "en"])
def test_pages_have_no_accessibility_violations(live_server, page, genova, lang):
    for path in _pages(genova):
        page.goto(f"{live_server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
        assert_accessible(page)


@pytest.mark.browser
def test_pages_for_citizens_and_councillors_have_no_accessibility_violations(live_server, page, genova):
    log_in(page, live_server.url, "giulia@example.org")
    page.goto(f"{live_server.url}/motions/{genova['motion']}")
    # The demo motion was decided in 2013: it says so rather than offering to support it.
    assert page.get_by_text("non raccoglie più sostegni").is_visible()
    assert page.get_by_role("button", name="Sostieni questa mozione").count() == 0
    assert_accessible(page)
    page.goto(f"{live_server.url}/comments/motion/{genova['motion']}/new?reply_to=1")
    assert_accessible(page)
    page.context.clear_cookies()
    log_in(page, live_server.url, "levante@example.org")
    for path in _manage_pages(genova):
        page.goto(live_server.url + path)
        assert_accessible(page)
    # A form sent back with errors.
    page.goto(f"{live_server.url}/manage/motions/new")
    page.locator("main form[aria-labelledby=details-heading] button[type=submit]").click()
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)


@pytest.mark.html
def test_pages_are_valid_html(app, client, auth, genova):
    documents = {path: client.get(path).get_data(as_text=True) for path in _pages(genova) + ["/"]}
    auth.login("giulia@example.org", PASSWORD)
    documents["motion (citizen)"] = client.get(f"/motions/{genova['motion']}").get_data(as_text=True)
    documents["reply form"] = client.get(f"/comments/motion/{genova['motion']}/new?reply_to=1").get_data(
        as_text=True)
    auth.logout()
    auth.login("levante@example.org", PASSWORD)
    for path in _manage_pages(genova):
        documents[path] = client.get(path).get_data(as_text=True)
    documents["motion form with errors"] = client.post("/manage/motions/new", data={
        "csrf_token": "x"}).get_data(as_text=True)
    with app.app_context():
        make_user("admin@example.org", admin=True)
    auth.logout()
    auth.login("admin@example.org", PASSWORD)
    documents["moderation"] = client.get("/manage/admin/comments").get_data(as_text=True)
    assert all(len(html) > 500 for html in documents.values())
    assert_valid_html(documents)
