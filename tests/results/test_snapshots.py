"""Results after a restart: the aggregates kept in the database (civic.results.snapshots) give a new process
the figures of a full aggregation with a few statements, plus the responses added since; a deletion or a
response committed late below the snapshot's last id makes everything aggregated again, and a fresh snapshot
written. The snapshot holds counts only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from civic.database import db
from civic.results import exports, report, snapshots
from civic.results.models import Snapshot
from civic.surveys.models import Answer, Response
from tests.results import factories as f
from tests.results.test_incremental import UNUSUAL, _comparable, _loaded, _respond

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _empty_cache():
    report._cache.entries.clear()
    yield
    report._cache.entries.clear()


@pytest.fixture
def spans(monkeypatch):
    seen: list = []
    original = report.fetch

    def recording(survey, span=None):
        seen.append(span)
        return original(survey, span)

    monkeypatch.setattr(report, "fetch", recording)
    return seen


def _restart() -> None:
    """What a new process lacks: the aggregates this one keeps."""
    report._cache.entries.clear()
    db.session.expire_all()


def _snapshot(survey_id: int) -> Snapshot | None:
    db.session.expire_all()
    return db.session.scalar(select(Snapshot).where(Snapshot.survey_id == survey_id))


def _same_as_full(g: f.Generated, data: report.Aggregates) -> None:
    survey = _loaded(g)
    full = report.fetch(survey)
    assert _comparable(data) == _comparable(full)
    assert report.build(survey, data) == report.build(survey, full)


def test_the_first_view_writes_a_snapshot_of_counts_only(app):
    with app.app_context():
        g = f.make_generated(40, seed=3)
        _respond(g, UNUSUAL)  # written answers: "other" texts, a free comment
        report.aggregates(_loaded(g))
        kept = _snapshot(g.survey_id)
        assert (kept.responses, kept.upto) == (41, g.response_ids[-1])
        figures = json.loads(kept.figures)
        assert set(figures) == {"format", "hours", "option_rows", "rank_rows", "value_rows", "month_rows",
                                "answered", "tangled_seen", "verified"}
        # No written answer: counts per option, value, month and hour only.
        for written in ("Nuovo arrivato", "Biciclette", "Nuovo"):
            assert written not in kept.figures
        assert sum(count for _hour, count in figures["hours"]) == 41


def test_a_new_process_uses_the_snapshot_with_two_statements(app, count_queries, spans):
    with app.app_context():
        g = f.make_generated(60, seed=4)
        report.aggregates(_loaded(g))
        _restart()
        survey = _loaded(g)
        spans.clear()
        with count_queries() as counter:
            data = report.aggregates(survey)
        assert spans == []  # nothing aggregated
        assert counter.count == 2, counter.statements  # the survey's fingerprint and its snapshot
        _same_as_full(g, data)


def test_a_new_process_adds_the_responses_since_the_snapshot(app, count_queries, spans):
    with app.app_context():
        g = f.make_generated(50, seed=5)
        report.aggregates(_loaded(g))
        last = g.response_ids[-1]
        f.add_responses(g, 7, seed=6, days=40)
        _respond(g, UNUSUAL)
        _restart()
        survey = _loaded(g)
        spans.clear()
        with count_queries() as counter:
            data = report.aggregates(survey)
        assert spans == [(last, g.response_ids[-1])]  # the new responses only
        assert counter.count <= 2 + 8  # fingerprint, snapshot, at most eight aggregates of the new ones
        _same_as_full(g, data)
        assert _snapshot(g.survey_id).upto == last  # 8 new responses: under CIVIC_RESULTS_SNAPSHOT_EVERY


def test_the_snapshot_is_written_again_every_so_many_responses(app):
    with app.app_context():
        app.config["CIVIC_RESULTS_SNAPSHOT_EVERY"] = 5
        g = f.make_generated(20, seed=7)
        report.aggregates(_loaded(g))
        f.add_responses(g, 4, seed=8)
        report.aggregates(_loaded(g))
        assert _snapshot(g.survey_id).responses == 20
        f.add_responses(g, 1, seed=9)
        report.aggregates(_loaded(g))
        kept = _snapshot(g.survey_id)
        assert (kept.responses, kept.upto) == (25, g.response_ids[-1])
        _restart()
        _same_as_full(g, report.aggregates(_loaded(g)))


def test_a_deleted_response_aggregates_everything_and_writes_a_fresh_snapshot(app, spans):
    with app.app_context():
        g = f.make_generated(30, seed=10)
        report.aggregates(_loaded(g))
        gone = g.response_ids[3]
        db.session.execute(delete(Answer).where(Answer.response_id == gone))
        db.session.execute(delete(Response).where(Response.id == gone))
        db.session.commit()
        del g.answers[3], g.response_ids[3]
        f.add_responses(g, 2, seed=11)  # the count alone went up
        _restart()
        spans.clear()
        data = report.aggregates(_loaded(g))
        assert spans[-1] is None
        _same_as_full(g, data)
        kept = _snapshot(g.survey_id)
        assert (kept.responses, kept.upto) == (31, g.response_ids[-1])


def test_a_response_committed_late_below_the_snapshot_is_not_missed(app, spans):
    with app.app_context():
        g = f.make_generated(20, seed=12)
        base = g.response_ids[-1] + 100
        _respond(g, UNUSUAL, response_id=base + 5)
        report.aggregates(_loaded(g))
        _respond(g, {"often": 5, "budget": 7.5}, response_id=base + 2)  # committed after the snapshot
        _respond(g, {"often": 1}, response_id=base + 6)
        _restart()
        spans.clear()
        data = report.aggregates(_loaded(g))
        assert spans == [(base + 5, base + 6), None]
        _same_as_full(g, data)
        assert _snapshot(g.survey_id).responses == 23


def test_a_snapshot_of_another_survey_or_format_is_not_used(app, spans):
    with app.app_context():
        g = f.make_generated(15, seed=13)
        report.aggregates(_loaded(g))
        db.session.execute(update(Snapshot).values(figures=json.dumps({"format": 0})))
        db.session.commit()
        _restart()
        spans.clear()
        _same_as_full(g, report.aggregates(_loaded(g)))
        assert spans[0] is None
        assert json.loads(_snapshot(g.survey_id).figures)["format"] == snapshots.FORMAT


def test_without_snapshots_nothing_is_written(app):
    with app.app_context():
        app.config["CIVIC_RESULTS_SNAPSHOT_EVERY"] = 0
        g = f.make_generated(10, seed=14)
        report.aggregates(_loaded(g))
        assert _snapshot(g.survey_id) is None


CHILD = """
import json, sys
from sqlalchemy import event
from civic import create_app
from civic.database import db
from civic.results import report
from civic.results.exports import result_lines
from civic.surveys.queries import survey_with_structure
from tests.conftest import TEST_CONFIG

app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    survey = db.session.scalars(survey_with_structure(int(sys.argv[2]))).unique().one()
    seen = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    page = report.build(survey)
    print(json.dumps({"statements": len(seen), "responses": page.responses,
                      "figures": [[str(cell) for cell in line] for line in result_lines(page)]}))
"""


def test_a_new_server_process_gives_the_figures_of_a_full_aggregation(app, database_url, instance_path):
    """A real second process: its first build of the results reads the snapshot and the responses since."""
    with app.app_context():
        g = f.make_generated(80, seed=15)
        report.aggregates(_loaded(g))
        f.add_responses(g, 3, seed=16)
        survey = _loaded(g)
        full = report.build(survey, report.fetch(survey))
        expected = [[str(cell) for cell in line] for line in exports.result_lines(full)]
    environment = {**os.environ, "CIVIC_INSTANCE_PATH": str(instance_path)}
    finished = subprocess.run([sys.executable, "-c", CHILD, database_url, str(g.survey_id)], cwd=ROOT,
                              env=environment, capture_output=True, text=True, timeout=120, check=True)
    child = json.loads(finished.stdout.strip().splitlines()[-1])
    assert child["responses"] == 83
    assert child["figures"] == expected
    # fingerprint, snapshot, the new responses' aggregates (at most eight), the published texts
    assert child["statements"] <= 11


def test_a_snapshot_that_would_wait_for_sqlites_writer_is_skipped(app):
    """On SQLite the database has one writer: a results view never waits for it to write a snapshot."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only: PostgreSQL writers do not lock the whole database")
        g = f.make_generated(12, seed=17)
        survey = _loaded(g)
        with db.engine.connect() as writer:
            writer.exec_driver_sql("BEGIN IMMEDIATE")  # another request holds the write lock
            started = time.monotonic()
            data = report.aggregates(survey)
            assert time.monotonic() - started < 5
            writer.rollback()
        assert data.responses == 12
        assert _snapshot(g.survey_id) is None  # skipped; written by a later full count
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == snapshots.SQLITE_BUSY_MS


def test_the_results_page_in_a_new_process_costs_ten_statements(app, client, count_queries):
    """A page view with no aggregates kept in the process (CIVIC_RESULTS_CACHE_SIZE = 0) and a current
    snapshot: the survey with its structure (five), its body, the responses held for a batch, the responses'
    fingerprint (one statement, whatever their number), the snapshot, and the published written answers. Kept
    in the process, the snapshot is not read again (this survey is closed: its fingerprint is)."""
    with app.app_context():
        g = f.make_generated(30, seed=7)
    url = f"/surveys/{g.survey_id}/results"
    first = client.get(url).get_data(as_text=True)  # aggregates everything, writes the snapshot
    app.config["CIVIC_RESULTS_CACHE_SIZE"] = 0
    with count_queries() as counter:
        page = client.get(url)
    assert page.status_code == 200
    assert counter.count == 10, counter.statements
    assert page.get_data(as_text=True).split('id="responses-total"')[1][:8] == \
        first.split('id="responses-total"')[1][:8] == ">30</dd>"
    app.config["CIVIC_RESULTS_CACHE_SIZE"] = 32
    client.get(url)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    assert counter.count == 9, counter.statements
    assert not any("results_snapshots" in statement for statement in counter.statements)
