"""In Chromium at 1280 and 390 pixels, in Italian and English: the home page with its next meetings and open
surveys, the councillors' counts, the open-data page and the page of results not public yet have no axe
violation; topic chips hold their label; result charts on a phone keep every label inside the drawing; the
printed results leave the day table out. The Nu checker finds the changed pages valid HTML."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from civic.comments.models import CommentReport
from civic.database import db, utcnow
from civic.surveys.models import ResultsVisibility, Survey, SurveyStatus
from tests.browser.ui import log_in
from tests.comments.factories import make_comment
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.meetings.factories import make_meeting
from tests.motions.factories import make_motion
from tests.results import factories as f
from tests.support.checks import assert_accessible, assert_valid_html
from tests.surveys.factories import make_survey

LONG_TOPIC = "mobilità sostenibile e trasporto locale"  # near the 40 characters a topic may have
LONG_LABEL = "Lavoratrice o lavoratore autonomo con partita IVA e collaboratori"


@pytest.fixture
def site(app):
    with app.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        make_user("admin@example.org", admin=True)
        make_user("novi@example.org", councillor_of=body)
        consultation = make_consultation(body, "Muoversi a Novi", slug="muoversi",
                                         topics=[LONG_TOPIC, "lavoro"])
        make_meeting(consultation, title="Assemblea sul coworking", capacity=40)
        make_survey(consultation, "Questionario sulla mobilità", closes_at=utcnow() + dt.timedelta(days=3))
        g = f.make_structure(consultation, title="Coworking a Novi")
        f.add_responses(g, 30, days=20)
        for question in g.survey.questions:
            for option in question.options:
                if option.label == "Partita IVA":
                    option.label = LONG_LABEL
        later = f.make_structure(consultation, status=SurveyStatus.OPEN, title="Risultati a fine mese")
        db.session.execute(update(Survey).where(Survey.id == later.survey_id)
                           .values(closes_at=utcnow() + dt.timedelta(days=20),
                                   results_visibility=ResultsVisibility.AFTER_CLOSE))
        comment = make_comment(make_user(), "Da controllare.", consultation=consultation)
        db.session.add(CommentReport(comment_id=comment.id, user_id=make_user().id))
        motion = make_motion(body, "Biblioteca aperta la sera")
        db.session.commit()
        return {"results": g.survey_id, "later": later.survey_id, "motion": motion.id}


def _public_pages(site) -> list[str]:
    return ["/", "/open-data", "/consultations/", f"/surveys/{site['later']}/results",
            f"/surveys/{site['results']}/results", f"/motions/{site['motion']}"]


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_home_and_councillors_counts_have_no_axe_violations(live_server, page, site, lang, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/?lang={lang}")
    heading = {"it": "Prossimi incontri", "en": "Next meetings"}[lang]
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("link", name="Assemblea sul coworking")).to_be_visible()
    expect(page.get_by_role("link", name="Questionario sulla mobilità")).to_be_visible()
    assert_accessible(page)
    for path in _public_pages(site)[1:4]:
        page.goto(live_server.url + path)
        assert_accessible(page)
    log_in(page, live_server.url, "admin@example.org")
    page.goto(f"{live_server.url}/manage/")
    expect(page.locator("#waiting-reported_comments")).to_contain_text("1")
    expect(page.locator("#waiting-closing_surveys")).to_contain_text("1")
    assert_accessible(page)
    page.locator("#waiting-reported_comments a").click()
    expect(page).to_have_url(f"{live_server.url}/manage/admin/comments")


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 320])  # 320: the narrowest a page must reflow to (WCAG 1.4.10)
def test_topic_chips_hold_their_label_on_a_phone(live_server, page, site, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/consultations/")
    chip = page.locator("a.chip", has_text=LONG_TOPIC)
    label = chip.locator(".chip-label")
    card = chip.locator("xpath=ancestor::div[contains(@class, 'card-body')]")
    outer, inner, room = chip.bounding_box(), label.bounding_box(), card.bounding_box()
    # The label clears the chip's 1px border at top and bottom (it used to sit on the bottom one)...
    assert outer["y"] + 1 <= inner["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"] - 1
    # ...and the chip stays inside its card (it used to run past it on a narrow phone).
    assert outer["x"] + outer["width"] <= room["x"] + room["width"]


@pytest.mark.browser
def test_result_charts_keep_their_labels_on_a_phone(live_server, page, site):
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/surveys/{site['results']}/results")
    expect(page.locator(".civic-chart canvas").first).to_be_visible()
    # Every label of the first bar chart, as drawn, fits in the space the chart keeps for labels.
    fits = page.evaluate("""() => {
        const canvas = document.querySelectorAll('.civic-chart canvas')[1];
        const chart = window.Chart.getChart(canvas);
        const scale = chart.scales.y;
        const context = canvas.getContext('2d');
        context.font = window.Chart.helpers.toFont(scale.options.ticks.font).string;
        const widest = Math.max(...scale.ticks.map(tick => Math.max(
            ...[].concat(tick.label).map(line => context.measureText(line).width))));
        return {widest: widest, room: scale.width, left: scale.left,
                lines: scale.ticks.map(tick => [].concat(tick.label).join(' '))};
    }""")
    assert LONG_LABEL in fits["lines"]
    assert fits["left"] >= 0 and fits["widest"] <= fits["room"], fits


@pytest.mark.browser
def test_printed_results_leave_the_day_table_out(live_server, page, site):
    page.goto(f"{live_server.url}/surveys/{site['results']}/results")
    day_table = page.locator("#participation table")
    expect(day_table).to_be_visible()
    page.emulate_media(media="print")
    expect(day_table).to_be_hidden()
    expect(page.locator("#participation").get_by_text("Le risposte sono arrivate dal")).to_be_visible()
    expect(page.get_by_role("heading", name="1. Chi sei?")).to_be_visible()


@pytest.mark.html
def test_the_changed_pages_are_valid_html(app, client, auth, site):
    documents = {path: client.get(path).get_data(as_text=True) for path in _public_pages(site)}
    auth.login("admin@example.org", PASSWORD)
    documents["/manage/"] = client.get("/manage/").get_data(as_text=True)
    assert_valid_html(documents)
