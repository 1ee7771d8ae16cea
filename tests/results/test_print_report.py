"""The results page printed is a report: the body's heading first, the survey's facts (dates, responses, who
could answer), then each question's figures; no table of responses per day, no site chrome, no contents list.
On screen the same facts show under the title, in Italian and in English."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from civic.database import db
from civic.surveys.models import Survey
from tests.factories import make_body
from tests.results import factories as f
from tests.support.checks import assert_accessible, assert_valid_html


@pytest.fixture
def report(app):
    with app.app_context():
        body = make_body("municipio-ix-levante", "Municipio IX Levante")
        structure = f.make_structure(consultation=f.make_consultation(body=body))
        g = f.add_responses(structure, 60, seed=3, days=30)
        survey = db.session.get(Survey, g.survey_id)
        survey.opens_at = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
        survey.closes_at = dt.datetime(2026, 3, 31, 20, 0, tzinfo=dt.UTC)
        db.session.commit()
        return g.survey_id


def test_the_facts_of_the_survey_head_the_results(client, report):
    html = client.get(f"/surveys/{report}/results").get_data(as_text=True)
    facts = html[html.index('id="survey-facts"'):html.index("</dl>", html.index('id="survey-facts"'))]
    assert "Chi poteva rispondere" in facts and "Chiunque, anche senza account" in facts
    assert "Risposte contate" in facts and ">60 (" in facts and "Anonime" in facts
    assert "Dal 01/03/26" in facts or "2026" in facts or "26" in facts
    header = html[html.index('id="print-header"'):html.index("<h1")]
    assert "Municipio IX Levante" in header and "Resoconto dei risultati stampato il" in header
    english = client.get(f"/surveys/{report}/results?lang=en").get_data(as_text=True)
    assert "Who could answer" in english and "Results report printed on" in english


@pytest.mark.html
def test_the_report_is_valid_html(client, report):
    assert_valid_html({"results": client.get(f"/surveys/{report}/results").get_data(as_text=True),
                       "english": client.get(f"/surveys/{report}/results?lang=en").get_data(as_text=True)})


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_printed_the_report_starts_with_the_body_and_has_no_day_table(page, live_server, report, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/surveys/{report}/results")
    expect(page.locator("#survey-facts")).to_be_visible()
    expect(page.locator("#print-header")).to_be_hidden()
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.locator("#print-header")).to_be_visible()
    expect(page.locator("#participation table")).to_be_hidden()
    expect(page.locator("#participation").get_by_text("Le risposte sono arrivate dal")).to_be_visible()
    expect(page.locator("#contents-heading")).to_be_hidden()
    expect(page.locator("header.it-header-wrapper")).to_be_hidden()
    expect(page.locator(".civic-results-question").first).to_be_visible()
    # The body's heading comes before everything else that prints.
    first = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .find(e => e.offsetParent !== null && e.textContent.trim()).id""")
    assert first == "print-header"
    assert page.pdf(prefer_css_page_size=True).startswith(b"%PDF")
