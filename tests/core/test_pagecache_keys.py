"""Writes make stale only the kept pages that show what they change: an answer to survey A leaves survey B's
results and the motion list served from memory, and A's results fresh at once, in this process and in every
gunicorn worker; an RSVP and a support likewise. A write nobody announced (raw SQL, a councillor's edit)
still makes every kept page stale."""
from __future__ import annotations

import json
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import insert, text

from civic.accounts.models import User
from civic.core import pagecache
from civic.database import db
from civic.meetings import services as meeting_services
from civic.meetings.models import Meeting
from civic.motions import services as motion_services
from civic.motions.models import Motion
from civic.surveys import services as survey_services
from civic.surveys.models import Channel, Response, Survey
from tests.factories import make_body, make_user
from tests.meetings.factories import make_meeting
from tests.motions.factories import make_motion
from tests.results import factories as f

TIMEOUT = 60


@pytest.fixture
def site(app):
    """Two closed surveys with public results (answers come in on paper, or late), a motion and a meeting;
    their ids. Closed: their results are never the figures of a few seconds ago (civic.results.report)."""
    with app.app_context():
        consultation = f.make_consultation()
        a = f.make_structure(consultation=consultation, title="Questionario A")
        f.add_responses(a, 3, seed=1)
        b = f.make_structure(consultation=consultation, title="Questionario B")
        f.add_responses(b, 2, seed=2)
        body = make_body()
        motion = make_motion(body, title="Biblioteca aperta la sera")
        meeting = make_meeting(capacity=50)
        user = make_user("lucia@example.org", name="Lucia Repetto")
        return {"a": a, "b": b, "motion": motion.id, "meeting": meeting.id, "user": user.id}


def _responses(client, survey_id: int) -> int:
    return client.get(f"/api/v1/surveys/{survey_id}/results").get_json()["responses"]


def _answer(app, g: f.Generated, token: str) -> None:
    """An anonymous web answer through the service the survey page calls, committed."""
    with app.app_context():
        survey = db.session.get(Survey, g.survey_id)
        survey_services.submit_response(survey, f._rows(g, {"often": 4, "help": "Sì"}),
                                        browser_token_hash=token)
        db.session.commit()


def _kept(client, count_queries, *paths: str) -> None:
    """Each page comes from memory: no SQL at all."""
    for path in paths:
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        assert counter.count == 0, (path, counter.statements)


def _rendered(client, count_queries, path: str) -> str:
    with count_queries() as counter:
        page = client.get(path)
    assert page.status_code == 200 and counter.count > 0, path
    return page.get_data(as_text=True)


def test_an_answer_makes_stale_only_the_pages_of_its_survey(app, client, count_queries, site):
    a, b = site["a"].survey_id, site["b"].survey_id
    kept = [f"/api/v1/surveys/{b}/results", "/motions/", f"/motions/{site['motion']}",
            f"/meetings/{site['meeting']}", "/", "/surveys/"]
    assert _responses(client, a) == 3 and _responses(client, b) == 2
    for path in kept:
        client.get(path)
    _answer(app, site["a"], "browser-1")
    assert _responses(client, a) == 4  # fresh at once
    _kept(client, count_queries, *kept)
    _answer(app, site["b"], "browser-2")
    assert _responses(client, b) == 3
    _kept(client, count_queries, f"/api/v1/surveys/{a}/results", "/motions/", "/")


def test_an_rsvp_and_a_support_make_stale_the_pages_that_show_them(app, client, count_queries, site):
    meeting, motion = f"/meetings/{site['meeting']}", f"/motions/{site['motion']}"
    results = f"/api/v1/surveys/{site['a'].survey_id}/results"
    for path in (meeting, motion, "/motions/", "/meetings/", "/", results):
        client.get(path)
    with app.test_request_context():  # the ticket e-mail has links
        person = db.session.get(User, site["user"])
        meeting_services.register(db.session.get(Meeting, site["meeting"]), person, "cittadini")
        db.session.commit()
    assert "Posti disponibili: 49 su 50" in _rendered(client, count_queries, meeting)  # at once
    _rendered(client, count_queries, "/meetings/")
    _rendered(client, count_queries, "/")
    _kept(client, count_queries, motion, "/motions/", results)
    with app.app_context():
        motion_services.support(db.session.get(User, site["user"]), db.session.get(Motion, site["motion"]))
        db.session.commit()
    assert "1 persona sostiene questa mozione." in _rendered(client, count_queries, motion)
    _kept(client, count_queries, meeting, results)


def test_a_write_nobody_announced_makes_every_kept_page_stale(app, client, count_queries, site):
    """Raw SQL into an answer table, with no word of which survey: every page is rendered again."""
    a, b = site["a"].survey_id, site["b"].survey_id
    for path in (f"/api/v1/surveys/{b}/results", "/motions/"):
        client.get(path)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO survey_responses (survey_id, channel, submitted_at) "
                                    "VALUES (:s, 'paper', '2026-01-01 10:00:00')"), {"s": a})
    _rendered(client, count_queries, f"/api/v1/surveys/{b}/results")
    _rendered(client, count_queries, "/motions/")


def test_an_announced_write_to_a_table_not_keyed_makes_every_kept_page_stale(app, client, count_queries,
                                                                             site):
    client.get("/motions/")
    with app.app_context():
        pagecache.changes(f"survey:{site['a'].survey_id}")
        db.session.execute(insert(Response.__table__).values(survey_id=site["a"].survey_id,
                                                             channel=Channel.PAPER))
        db.session.get(Motion, site["motion"]).title = "Biblioteca aperta anche la domenica"
        db.session.commit()
    assert "Biblioteca aperta anche la domenica" in _rendered(client, count_queries, "/motions/")


def test_a_rolled_back_announced_write_moves_nothing(app, client, count_queries, site):
    results = f"/api/v1/surveys/{site['a'].survey_id}/results"
    client.get(results)
    with app.app_context():
        survey = db.session.get(Survey, site["a"].survey_id)
        survey_services.submit_response(survey, f._rows(site["a"], {"often": 2}), browser_token_hash="t")
        db.session.rollback()
    _kept(client, count_queries, results)


def test_the_tables_a_statement_with_writable_parts_writes_are_each_seen():
    private = frozenset({"survey_drafts"})
    statement = ("WITH ledger AS (INSERT INTO survey_participations (id) VALUES (1) RETURNING id), "
                 "draft AS (DELETE FROM survey_drafts WHERE user_id = 1 RETURNING 1) "
                 "INSERT INTO survey_answers SELECT 1")
    assert pagecache.written_tables(statement, private) == {"survey_participations", "survey_answers"}
    assert pagecache.written_tables("WITH d AS (DELETE FROM survey_drafts RETURNING 1) SELECT 1",
                                    private) == set()  # a private table alone: no page goes stale
    assert pagecache.written_tables("WITH x AS (SELECT 1) SELECT * FROM x", private) == {None}
    assert pagecache.written_tables("UPDATE motions SET title = 'x'", private) == {"motions"}


def test_generation_names_are_checked():
    with pytest.raises(ValueError):
        pagecache._names(["survey 42"])
    assert pagecache._names(["survey:42", "motions"]) == ("base", "survey:42", "motions")


def test_file_generations_move_one_name_and_never_go_back(tmp_path):
    store = pagecache.FileGeneration(str(tmp_path / "generations"))
    first = store.current(("base", "survey:1", "survey:2"))
    store.bump(("survey:1",))
    second = store.current(("base", "survey:1", "survey:2"))
    assert second[0] == first[0] and second[2] == first[2] and second[1] > first[1]
    os.utime(store._file("survey:1"), ns=(0, 1))  # a clock set back
    store.bump(("survey:1",))
    assert store.current(("survey:1",))[0] >= second[1]


def _fetch_all(url: str, times: int) -> list[str]:
    def fetch(_n):
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.read().decode()

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(fetch, range(times)))


@pytest.mark.slow
def test_every_server_process_sees_an_answer_at_once_and_keeps_the_rest(app, gunicorn_server, site):
    a, b = site["a"].survey_id, site["b"].survey_id
    url_a = f"{gunicorn_server.url}/api/v1/surveys/{a}/results"
    url_b = f"{gunicorn_server.url}/api/v1/surveys/{b}/results"
    before_b = _fetch_all(url_b, 24)  # enough visits for every worker to keep the pages
    assert {json.loads(page)["responses"] for page in _fetch_all(url_a, 24)} == {3}
    _answer(app, site["a"], "browser-9")
    assert {json.loads(page)["responses"] for page in _fetch_all(url_a, 24)} == {4}
    assert set(_fetch_all(url_b, 24)) == set(before_b)
