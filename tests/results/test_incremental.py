"""The results after new responses: the cached aggregates plus those of the responses added since are exactly
what aggregating every response gives (every kind of question, conditions, medians of an even count, new
hours, values and months), anything but an addition aggregates everything again, and the view after a new
response reads the new rows only, however many responses the survey already has."""
from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter
from functools import partial

import pytest
from sqlalchemy import delete, event, insert, text

from civic.core.stats import summarize
from civic.database import db
from civic.results import report
from civic.surveys.models import Answer, Channel, Response
from civic.surveys.queries import survey_with_structure
from tests.results import factories as f

# (responses, seed, days over which they are spread): a first batch, then single responses and small ones.
BATCHES = [(37, 11, 10), (1, 12, 1), (2, 13, 3), (24, 14, 30), (1, 15, 1), (5, 16, 45), (1, 17, 1)]
# Values no generated respondent gives: a new number value, month, "other" text and matrix cell on the way.
UNUSUAL = {"who_other": "Nuovo arrivato", "needs": ["Ufficio privato", "Asilo"], "needs_other": "Biciclette",
           "often": 2, "budget": 333.25, "rank": {"Servizi": 1, "Costo": 2, "Orari": 3, "Posizione": 4},
           "grid": {"Frazioni": "Sempre"}, "comment": "Nuovo", "start": "2026-02-28", "help": "Sì",
           "how": "Contabilità", "hours": 17, "office": "Singolo"}


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache lives as long as the process: no entry of an earlier test (same survey id) is reused."""
    report._cache.entries.clear()
    yield
    report._cache.entries.clear()


@pytest.fixture
def spans(monkeypatch):
    """The `span` of every aggregation: None for all the responses, (after, upto) for the added ones."""
    seen: list = []
    original = report.fetch

    def recording(survey, span=None):
        seen.append(span)
        return original(survey, span)

    monkeypatch.setattr(report, "fetch", recording)
    return seen


def _loaded(g: f.Generated):
    db.session.expire_all()
    return db.session.scalars(survey_with_structure(g.survey_id)).unique().one()


def _respond(g: f.Generated, values: dict, response_id: int | None = None) -> int:
    """One response with these answers (question key -> value, as the factories' drawn answers)."""
    row = {"survey_id": g.survey_id, "channel": Channel.WEB.value,
           "submitted_at": dt.datetime(2024, 4, 2, 18, 30, tzinfo=dt.UTC)}
    if response_id is not None:
        row["id"] = response_id
    connection = db.session.connection()
    table = Response.__table__
    new_id = connection.execute(insert(table).returning(table.c.id), [row]).scalar_one()
    connection.execute(insert(Answer.__table__), [{**r, "response_id": new_id} for r in f._rows(g, values)])
    db.session.commit()
    g.answers.append(values)
    g.response_ids.append(new_id)
    return new_id


def _comparable(data: report.Aggregates) -> dict:
    """The aggregates with the rows whose order means nothing (options, ranks) as {key: count}."""
    return {"hours": data.hours, "values": data.value_rows, "months": data.month_rows,
            "options": {tuple(row[:-1]): row[-1] for row in data.option_rows},
            "ranks": {tuple(row[:-1]): row[-1] for row in data.rank_rows},
            "answered": data.answered, "tangled": data.tangled_seen, "responses": data.responses}


def _assert_same_as_a_full_aggregation(g: f.Generated, data: report.Aggregates) -> report.Report:
    survey = _loaded(g)
    full = report.fetch(survey)
    assert _comparable(data) == _comparable(full)
    shown, expected = report.build(survey, data), report.build(survey, full)
    assert shown == expected  # every figure, floats included, to the last bit
    assert shown.responses == len(g.answers)
    return shown


def test_batches_of_new_responses_give_the_figures_of_a_full_aggregation(app, spans):
    with app.app_context():
        g = f.make_structure()
        report.aggregates(_loaded(g))  # no response yet
        even_medians = 0
        for number, (count, seed, days) in enumerate(BATCHES):
            last = g.response_ids[-1] if g.response_ids else 0
            f.add_responses(g, count, seed=seed, days=days)
            if number == 3:
                _respond(g, UNUSUAL)
            spans.clear()
            data = report.aggregates(_loaded(g))
            assert spans == [(last, g.response_ids[-1])]  # the added responses only
            shown = _assert_same_as_a_full_aggregation(g, data)
            for key in ("often", "budget", "hours"):
                values = sorted(a[key] for a in g.answers if key in a)
                result = shown.question(g.qids[key])
                assert result.median == statistics.median(values)
                assert (result.minimum, result.maximum) == (min(values), max(values))
                n = len(values)
                even_medians += n % 2 == 0 and values[n // 2 - 1] != values[n // 2]
        # The medians of an even number of answers, between two different values, were compared too.
        assert even_medians >= 3
        # Seen by its conditions (shown when an option was chosen, or not chosen; two conditions at once).
        conditional = {key: shown.question(g.qids[key]).seen for key in ("why_not", "how", "office")}
        assert conditional["how"] == sum(1 for a in g.answers if a.get("help") == "Sì")
        assert conditional["why_not"] == sum(1 for a in g.answers if "Postazione" not in a.get("needs", []))
        office = [a for a in g.answers if a.get("help") == "Sì" and "Ufficio privato" in a.get("needs", [])]
        assert conditional["office"] == len(office)
        assert shown.question(g.qids["budget"]).median is not None


def test_the_page_after_new_responses_is_the_page_of_a_full_aggregation(app, client, spans):
    with app.app_context():
        g = f.make_generated(60, seed=21)
    path = f"/surveys/{g.survey_id}/results?lang=en"
    client.get(path)
    for count, seed, days in BATCHES[1:4]:
        with app.app_context():
            f.add_responses(g, count, seed=seed, days=days)
        spans.clear()
        incremental = client.get(path).get_data(as_text=True)
        assert spans and spans[0] is not None
        app.config["CIVIC_RESULTS_CACHE_SIZE"] = 0
        assert client.get(path).get_data(as_text=True) == incremental
        app.config["CIVIC_RESULTS_CACHE_SIZE"] = 32
    assert f'id="responses-total">{len(g.answers)}<' in incremental


def test_a_deleted_response_makes_the_figures_aggregated_again(app, spans):
    with app.app_context():
        g = f.make_generated(30, seed=31)
        report.aggregates(_loaded(g))
        gone = g.response_ids[4]
        db.session.execute(delete(Answer).where(Answer.response_id == gone))
        db.session.execute(delete(Response).where(Response.id == gone))
        db.session.commit()
        del g.answers[4], g.response_ids[4]
        f.add_responses(g, 3, seed=32)  # one more than deleted: the count alone went up
        spans.clear()
        data = report.aggregates(_loaded(g))
        assert spans[-1] is None
        _assert_same_as_a_full_aggregation(g, data)


def test_a_response_committed_late_below_the_cached_last_id_is_not_missed(app, spans):
    """Ids are taken before commit, so a response can become visible after one with a larger id."""
    with app.app_context():
        g = f.make_generated(20, seed=41)
        base = g.response_ids[-1] + 100
        _respond(g, UNUSUAL, response_id=base + 5)
        report.aggregates(_loaded(g))
        _respond(g, {"often": 5, "budget": 7.5}, response_id=base + 2)  # the late one
        _respond(g, {"often": 1}, response_id=base + 6)
        spans.clear()
        data = report.aggregates(_loaded(g))
        # The responses above the cached last id do not make up the new count: everything again.
        assert spans == [(base + 5, base + 6), None]
        _assert_same_as_a_full_aggregation(g, data)


# --- what a view after a new response reads -----------------------------------------------------------------


def _statements_of(engine, action) -> list[tuple[str, object]]:
    seen: list = []

    def listener(conn, cursor, statement, parameters, *args):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def _work(statements) -> int:
    """What the database did to run these statements: on PostgreSQL the rows its scans read (EXPLAIN ANALYZE,
    filtered-out rows included), on SQLite its virtual machine instructions (a progress handler)."""
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    total = 0
    if connection.dialect.name == "sqlite":
        steps = [0]

        def tick():
            steps[0] += 1
            return 0

        raw.set_progress_handler(tick, 1)
        try:
            for statement, parameters in statements:
                raw.execute(statement, parameters).fetchall()
        finally:
            raw.set_progress_handler(None, 1)
        return steps[0]
    with raw.cursor() as cursor:
        for statement, parameters in statements:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            total += _rows_read(plan[0]["Plan"])
    return total


def _rows_read(node: dict) -> int:
    own = 0
    if "Relation Name" in node:
        own = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
               + node.get("Rows Removed by Index Recheck", 0)) * node.get("Actual Loops", 1)
    return int(own) + sum(_rows_read(child) for child in node.get("Plans", []))


def test_a_view_after_a_new_response_reads_only_the_new_rows(app, client, count_queries):
    """At 300 and 3,000 responses: the same statements, and aggregating the new response costs the database
    the same work at both sizes (a small fraction of aggregating everything, which grows with the
    responses)."""
    figures = {}
    for size in (300, 3000):
        with app.app_context():
            report._cache.entries.clear()
            g = f.make_generated(size, seed=51)
            db.session.execute(text("ANALYZE"))  # planner statistics, as a database that grew over days has
            db.session.commit()
        path = f"/surveys/{g.survey_id}/results"
        client.get(path)
        with count_queries() as cached:
            client.get(path)
        with app.app_context():
            f.add_responses(g, 1, seed=52)
        with count_queries() as after:
            assert client.get(path).status_code == 200
        with app.app_context():
            f.add_responses(g, 1, seed=53)
            survey = _loaded(g)
            added = _statements_of(db.engine, partial(report.aggregates, survey))
            everything = _statements_of(db.engine, partial(report.fetch, survey))
            figures[size] = {"cached": cached.count, "after": after.count, "added": len(added),
                             "added work": _work(added[1:]), "full work": _work(everything)}
            db.session.rollback()
    small, large = figures[300], figures[3000]
    # The fingerprint, then at most eight aggregate queries (one per kind of figure), whatever the size.
    assert small["after"] == large["after"] == small["cached"] + 8
    assert small["added"] == large["added"] == 9
    assert large["full work"] > 3 * small["full work"]  # the measure grows with what is read
    assert large["added work"] < 1.5 * small["added work"] + 50, figures
    assert large["added work"] < large["full work"] / 100, figures


def test_a_summary_depends_on_the_values_only_never_on_their_order():
    values = [0.1] * 7 + [0.2] * 3 + [0.7, 2.5, 2.5, 10.0]
    counts = sorted(Counter(values).items())
    summary = summarize(counts)
    assert summary == summarize(reversed(counts)) == summarize(counts[1::2] + counts[::2])
    assert summary.moments.count == len(values)
    assert summary.moments.mean == pytest.approx(statistics.fmean(values), rel=1e-15)
    assert summary.moments.stdev == pytest.approx(statistics.stdev(values), rel=1e-12)
    assert summary.median == statistics.median(values)  # an even count: the mean of the two middle values
    assert (summary.minimum, summary.maximum) == (0.1, 10.0)
    assert summarize([]).moments.count == 0 and summarize([]).median is None
