"""Results, breakdown, written answers, dashboard and open-data pages pass the W3C Nu checker and axe-core
(WCAG 2.1 AA) in Chromium, with their charts drawn; and they print on A4."""
from __future__ import annotations

import pytest

from tests.conftest import post_form
from tests.factories import PASSWORD, make_body, make_user
from tests.meetings.test_pages_quality import log_in
from tests.results import factories as f
from tests.results.test_dashboard import _consultation_with_everything
from tests.support.checks import assert_accessible, assert_valid_html


@pytest.fixture
def scene(app):
    with app.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        councillor = make_user(email="councillor@example.org", councillor_of=body)
        slug = _consultation_with_everything(body)
        g = f.make_generated(80, seed=9, consultation=f.make_consultation(body=body))
        return {"survey": g.survey_id, "qids": g.qids, "slug": slug, "councillor": councillor.email}


def _pages(scene) -> dict[str, str]:
    survey, q = scene["survey"], scene["qids"]
    return {
        "results": f"/surveys/{survey}/results",
        "breakdown": f"/surveys/{survey}/results/breakdown?row={q['who']}&col={q['help']}",
        "breakdown, multiple choice": f"/surveys/{survey}/results/breakdown?row={q['help']}&col={q['needs']}",
        "open data": "/open-data",
    }


@pytest.mark.html
def test_public_and_councillor_pages_are_valid_html(app, client, auth, scene):
    documents = {name: client.get(url).get_data(as_text=True) for name, url in _pages(scene).items()}
    documents["breakdown, bad choice"] = client.get(
        f"/surveys/{scene['survey']}/results/breakdown?row=x&col={scene['qids']['help']}").get_data(as_text=True)
    auth.login(scene["councillor"], PASSWORD)
    survey = scene["survey"]
    documents["results, councillors"] = client.get(f"/surveys/{survey}/results").get_data(as_text=True)
    documents["breakdown, councillors"] = client.get(_pages(scene)["breakdown"]).get_data(as_text=True)
    documents["written answers"] = client.get(
        f"/surveys/{survey}/results/questions/{scene['qids']['comment']}/answers").get_data(as_text=True)
    documents["dashboard"] = client.get(
        f"/manage/consultations/{scene['slug']}/dashboard").get_data(as_text=True)
    documents["manage"] = client.get("/manage/results/").get_data(as_text=True)
    published = post_form(client, f"/surveys/{survey}/results", {}, follow_redirects=True,
                          action=f"/manage/surveys/{survey}/results/questions/{scene['qids']['comment']}/publish")
    documents["results, text published"] = published.get_data(as_text=True)
    assert "Le risposte scritte sono pubbliche." in documents["results, text published"]
    assert_valid_html(documents)


@pytest.mark.browser
def test_no_axe_violations_and_charts_drawn_over_their_tables(page, live_server, scene):
    base = live_server.url
    for url in _pages(scene).values():
        page.goto(base + url)
        assert_accessible(page)
    page.goto(f"{base}/surveys/{scene['survey']}/results")
    charts = page.locator(".civic-chart canvas")
    assert charts.count() == page.locator("table[data-chart]").count() > 5
    assert page.locator(".civic-chart").first.get_attribute("aria-hidden") == "true"
    log_in(page, base, scene["councillor"])
    for url in (f"/surveys/{scene['survey']}/results", f"/manage/consultations/{scene['slug']}/dashboard",
                "/manage/results/",
                f"/surveys/{scene['survey']}/results/questions/{scene['qids']['comment']}/answers"):
        page.goto(base + url)
        assert_accessible(page)


@pytest.mark.browser
def test_the_dashboard_prints_on_a4_without_the_site_chrome(page, live_server, scene):
    base = live_server.url
    log_in(page, base, scene["councillor"])
    page.goto(f"{base}/manage/consultations/{scene['slug']}/dashboard")
    page.emulate_media(media="print")
    assert not page.locator("header.it-header-wrapper").is_visible()
    assert page.locator("#meetings").is_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    # A4 is 595 x 842 points.
    assert b"/MediaBox [0 0 595" in pdf or b"/MediaBox [0 0 594" in pdf
