"""The results page: every figure a reader sees equals the one computed independently from the generated
answers, who may see it, written answers only once published, and a fixed number of queries whatever the
responses."""
from __future__ import annotations

import re

import pytest

from civic.database import db
from civic.results import report
from civic.surveys.models import ResultsVisibility, SurveyStatus
from tests.conftest import post_form
from tests.factories import PASSWORD, make_body, make_user
from tests.results import expected as x
from tests.results import factories as f
from tests.results.html_tables import in_section, interval, number


def _page(client, survey_id: int, **args) -> str:
    response = client.get(f"/surveys/{survey_id}/results", query_string={"lang": "en", **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _base(html: str, question_id: int) -> tuple[int, int]:
    match = re.search(rf'id="question-{question_id}".*?Shown to ([\d,]+) respondents; answered by ([\d,]+)',
                      html, re.S)
    return int(number(match.group(1))), int(number(match.group(2)))


def _close(shown: str, value: float, digits: int) -> bool:
    """The printed value is `value` rounded to `digits` decimals (half a unit of the last digit, plus float
    noise)."""
    return abs(number(shown) - value) <= 0.5 * 10 ** -digits + 1e-9


def _check_choice(html, g, key, labels, multiple=False):
    want = x.choice(g.answers, key, labels, multiple)
    (table,) = in_section(html, f"question-{g.qids[key]}")
    rows = table.body()
    n = want["answered"]
    entries = [(label, want["counts"][label]) for label in labels] + [("Other (written in)", want["other"])]
    for label, count in entries:
        shown_count, shown_share, shown_interval = rows[label]
        assert number(shown_count) == count, (key, label)
        assert _close(shown_share, 100 * count / n, 1), (key, label, shown_share)
        low, high = interval(shown_interval)
        want_low, want_high = x.wilson(count, n)
        assert _close(str(low), 100 * want_low, 1) and _close(str(high), 100 * want_high, 1), (key, label)
    if multiple:
        assert "add up to more than 100%" in table.caption
        assert sum(count for _label, count in entries) > n  # counted per option, never per combination
    return n


def test_every_figure_matches_an_independent_computation(app, client):
    with app.app_context():
        g = f.make_generated(400, seed=11)
    html = _page(client, g.survey_id)
    answers = g.answers
    seen = x.seen(answers)

    assert number(re.search(r'id="responses-total">([\d,]+)<', html).group(1)) == 400
    assert _base(html, g.qids["who"]) == (400, _check_choice(html, g, "who", f.WHO))
    assert _base(html, g.qids["needs"]) == (400, _check_choice(html, g, "needs", f.NEEDS, multiple=True))
    for key, labels in (("help", f.YES_NO), ("why_not", f.REASONS), ("office", f.OFFICES)):
        table_rows = in_section(html, f"question-{g.qids[key]}")[0].body()
        want = x.choice(answers, key, labels)
        assert {label: number(table_rows[label][0]) for label in labels} == want["counts"]
        assert _base(html, g.qids[key]) == (seen[key], want["answered"])

    for key in ("often", "budget", "hours"):
        want = x.numbers(answers, key)
        assert _base(html, g.qids[key]) == (seen[key], want["answered"])
        section = re.search(rf'id="question-{g.qids[key]}".*?</section>', html, re.S).group(0)
        for label, name in (("Mean", "mean"), ("Median", "median"), ("Standard deviation", "stdev"),
                            ("Lowest", "min"), ("Highest", "max")):
            shown = re.search(rf"<dt>{label}</dt><dd>([^<]+)</dd>", section).group(1)
            assert _close(shown, want[name], 2), (key, name, shown, want[name])
        rows = in_section(html, f"question-{g.qids[key]}")[0].body()
        if key == "often":
            assert ({int(k): number(v[0]) for k, v in rows.items()}
                    == {v: want["counts"][v] for v in range(1, 6)})
        elif key == "budget":
            assert {float(k): number(v[0]) for k, v in rows.items()} == dict(want["counts"])
        else:  # more distinct values than a table should list: equal ranges that still hold every answer
            assert sum(number(v[0]) for v in rows.values()) == want["answered"]

    ranked = x.ranking(answers)
    rows = in_section(html, f"question-{g.qids['rank']}")[0].body()
    assert _base(html, g.qids["rank"]) == (400, ranked["_answered"])
    for label in f.RANKED:
        first, mean, *by_rank = rows[label]
        assert number(first) == ranked[label]["first"]
        assert _close(mean, ranked[label]["mean"], 2)
        assert [number(v) for v in by_rank] == ranked[label]["by_rank"]

    cells = x.grid(answers)
    table = in_section(html, f"question-{g.qids['grid']}")[0]
    assert table.rows[0][1:-1] == f.GRID_COLUMNS
    for row_label, values in table.body().items():
        assert [number(v) for v in values[:-1]] == [cells["cells"][(row_label, c)] for c in f.GRID_COLUMNS]
    assert _base(html, g.qids["grid"]) == (400, cells["answered"])

    comments = sum(1 for a in answers if "comment" in a)
    assert _base(html, g.qids["comment"]) == (400, comments)
    assert _base(html, g.qids["how"]) == (seen["how"], sum(1 for a in answers if "how" in a))
    months = {}
    for a in answers:
        if "start" in a:
            months[a["start"][:7]] = months.get(a["start"][:7], 0) + 1
    rows = in_section(html, f"question-{g.qids['start']}")[0].body()
    assert {k: number(v[0]) for k, v in rows.items()} == months

    per_day = in_section(html, "participation")[0].body()
    assert sum(number(v[0]) for v in per_day.values()) == 400
    assert number(list(per_day.values())[-1][1]) == 400


def test_the_report_agrees_on_both_medians(app):
    """Medians come from the value counts, on both databases: both equal Python's."""
    with app.app_context():
        g = f.make_generated(101, seed=3)
        survey = db.session.get(type(g.survey), g.survey_id)
        result = report.build(survey, report.fetch(survey))
        for key in ("often", "budget", "hours"):
            want = x.numbers(g.answers, key)
            got = next(q for q in result.questions if q.question.id == g.qids[key])
            assert got.median == pytest.approx(want["median"])
            assert got.summary.stdev == pytest.approx(want["stdev"])


def test_visibility_follows_the_survey_setting(app, client, auth):
    with app.app_context():
        body = make_body()
        make_user(email="councillor@example.org", councillor_of=body)
        make_user(email="other@example.org", councillor_of=make_body())
        consultation = f.make_consultation(body=body)
        closed = f.make_generated(5, consultation=consultation).survey_id
        open_after = f.make_generated(5, consultation=consultation, status=SurveyStatus.OPEN).survey_id
        while_open = f.make_generated(5, consultation=consultation, status=SurveyStatus.OPEN,
                                      visibility=ResultsVisibility.WHILE_OPEN).survey_id
        private = f.make_generated(5, consultation=consultation,
                                   visibility=ResultsVisibility.COUNCILLORS).survey_id
        draft = f.make_generated(0, consultation=consultation, status=SurveyStatus.DRAFT).survey_id
    status = {sid: client.get(f"/surveys/{sid}/results").status_code
              for sid in (closed, open_after, while_open, private, draft)}
    assert status == {closed: 200, open_after: 403, while_open: 200, private: 403, draft: 404}
    auth.login("other@example.org", PASSWORD)
    assert client.get(f"/surveys/{private}/results").status_code == 403  # another body's councillor
    auth.logout()
    auth.login("councillor@example.org", PASSWORD)
    for sid in (closed, open_after, while_open, private, draft):
        assert client.get(f"/surveys/{sid}/results").status_code == 200


def test_written_answers_are_public_only_once_published(app, client, auth):
    with app.app_context():
        body = make_body()
        make_user(email="councillor@example.org", councillor_of=body)
        g = f.make_generated(60, consultation=f.make_consultation(body=body))
    qid = g.qids["comment"]
    texts = f"/surveys/{g.survey_id}/results/questions/{qid}/answers?lang=en"
    a_comment = next(a["comment"] for a in g.answers if "comment" in a)
    assert client.get(texts).status_code == 404
    assert a_comment not in _page(client, g.survey_id)
    assert "published only after the councillors have read them" in _page(client, g.survey_id)

    auth.login("councillor@example.org", PASSWORD)
    assert a_comment in client.get(texts).get_data(as_text=True)
    publish = f"/manage/surveys/{g.survey_id}/results/questions/{qid}/publish"
    assert client.post(publish).status_code == 400  # no CSRF token
    response = post_form(client, f"/surveys/{g.survey_id}/results", {}, action=publish)
    assert response.status_code == 302
    post_form(client, f"/surveys/{g.survey_id}/results", {}, action=publish)  # a double click changes nothing
    auth.logout()

    page = client.get(texts).get_data(as_text=True)
    assert a_comment in page
    written = sum(1 for a in g.answers if "comment" in a)
    assert f"{written} answers, in the order they arrived" in page
    # Another question's written answers stay hidden.
    assert client.get(f"/surveys/{g.survey_id}/results/questions/{g.qids['how']}/answers").status_code == 404


def test_a_citizen_cannot_publish(app, client, auth):
    with app.app_context():
        make_user(email="citizen@example.org")
        g = f.make_generated(3)
    auth.login("citizen@example.org", PASSWORD)
    page = client.get("/account/profile")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    url = f"/manage/surveys/{g.survey_id}/results/questions/{g.qids['comment']}/publish"
    assert client.post(url, data={"csrf_token": token}).status_code == 403


def test_the_page_costs_the_same_queries_at_10_and_2000_responses(app, client, count_queries):
    with app.app_context():
        small = f.make_generated(10, seed=1).survey_id
        large = f.make_generated(2000, seed=2).survey_id
    counts = []
    for sid in (small, large):
        with count_queries() as counter:
            assert client.get(f"/surveys/{sid}/results").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    # A second view of an unchanged survey reads the cached aggregates: one cheap query replaces them.
    with count_queries() as counter:
        client.get(f"/surveys/{large}/results")
    assert counter.count < counts[1]


def test_a_new_response_refreshes_the_cached_figures(app, client):
    with app.app_context():
        g = f.make_generated(20)
    first = _page(client, g.survey_id)
    with app.app_context():
        f.add_responses(g, 1, seed=99)
    again = _page(client, g.survey_id)
    assert re.search(r'id="responses-total">20<', first)
    assert re.search(r'id="responses-total">21<', again)


def test_an_open_survey_shows_figures_at_most_the_grace_period_old(app, client):
    with app.app_context():
        g = f.make_generated(10, status=SurveyStatus.OPEN, visibility=ResultsVisibility.WHILE_OPEN)
    assert re.search(r'id="responses-total">10<', _page(client, g.survey_id))
    with app.app_context():
        f.add_responses(g, 2, seed=5)
    # Within the grace period the figures of a moment ago are served without aggregating again ...
    assert re.search(r'id="responses-total">10<', _page(client, g.survey_id))
    assert "the figures change as responses arrive" in _page(client, g.survey_id)
    # ... and after it, the new responses count.
    app.config["CIVIC_RESULTS_OPEN_GRACE"] = 0
    assert re.search(r'id="responses-total">12<', _page(client, g.survey_id))
