"""Anonymous responses held and released in shuffled batches (civic.surveys.batches): an attacker holding the
database pairs participants with responses no better than chance within a batch, whatever order they read
(physical order, ids, times); the results and exports say how many are held and count them all once the
survey closes; each held response is released once."""
from __future__ import annotations

import datetime as dt
import math
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests
from sqlalchemy import inspect, select, text

from civic.core.timezone import ROME
from civic.database import db, utcnow
from civic.surveys import batches, services
from civic.surveys.models import QuestionKind, Response, Survey
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.support.servers import GunicornServer
from tests.surveys.factories import add_question, make_survey
from tests.surveys.support import answer, counts

TOKEN_COOKIE = "civic_survey_token"
K = 5


@pytest.fixture
def batched(app, in_db):
    """An open anonymous survey of one number question and one text, batches of K, no per-address limit
    (every respondent of these tests comes from the same address), and a councillor of its body."""
    app.config["CIVIC_ANONYMITY_BATCH"] = K
    app.config["CIVIC_LIMIT_SURVEY_ANSWER"] = "10000 per minute"

    def build():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        survey = make_survey(make_consultation(body), title="Coworking")
        number = add_question(survey, QuestionKind.NUMBER, "Quanti giorni?", required=True)
        words = add_question(survey, QuestionKind.SHORT_TEXT, "Perché?")
        councillor = make_user(email="consigliere@example.org", councillor_of=body)
        return SimpleNamespace(id=survey.id, number=number.id, words=words.id, councillor=councillor.email)

    return in_db(build)


def _respond(app, survey, value: int, words: str = "") -> str:
    """A new browser answers `value`; returns the keyed hash of its token, as the ledger keeps it."""
    browser = app.test_client()
    reply = answer(browser, survey.id, {f"q{survey.number}": str(value), f"q{survey.words}": words})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/thanks")
    token = browser.get_cookie(TOKEN_COOKIE, path="/surveys/").value
    with app.app_context():
        return services.token_hash(survey.id, token)


def _close(in_db, survey_id: int) -> None:
    def close():
        survey = db.session.get(Survey, survey_id)
        services.close_survey(make_user(email="chiude@example.org", admin=True), survey)
        db.session.commit()
    in_db(close)


def _held(survey_id: int) -> int:
    return batches.waiting(survey_id)


# --- the adversary ------------------------------------------------------------------------------------------


def _attacker_views(survey_id: int) -> dict[str, list[float]]:
    """What someone holding the raw tables sees: the released responses' answers (the number) listed in every
    order the tables carry, by physical order, ids, times and, on PostgreSQL, the inserting transaction."""
    postgresql = db.engine.dialect.name == "postgresql"
    physical = "r.ctid" if postgresql else "r.rowid"
    answer_physical = "a.ctid" if postgresql else "a.rowid"
    orders = {
        "response id": "r.id",
        "physical order of responses": physical,
        "submission time": f"r.submitted_at, {physical}",
        "answer id": "a.id",
        "physical order of answers": answer_physical,
    }
    if postgresql:
        orders["inserting transaction"] = f"r.xmin::text::bigint, {physical}"
    views = {}
    for name, order in orders.items():
        views[name] = list(db.session.scalars(text(
            "SELECT a.number FROM survey_responses r JOIN survey_answers a ON a.response_id = r.id "
            f"WHERE r.survey_id = :survey AND a.number IS NOT NULL ORDER BY {order}"), {"survey": survey_id}))
    return views


def _ledger_in_physical_order(survey_id: int) -> list[str]:
    """The ledger as stored: by ctid on PostgreSQL; on SQLite a table without rowid, read in its stored
    (primary key) order."""
    order = " ORDER BY ctid" if db.engine.dialect.name == "postgresql" else ""
    return list(db.session.scalars(text(
        f"SELECT token_hash FROM survey_participations WHERE survey_id = :survey{order}"),
        {"survey": survey_id}))


def _hits(guessed: list[float], truth: list[float]) -> int:
    return sum(a == b for a, b in zip(guessed, truth, strict=True))


def _tail(n: int, p: float, hits: int) -> float:
    """P(X >= hits) for X ~ Binomial(n, p): how surprising `hits` would be for a guess right with chance p."""
    return sum(math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(hits, n + 1))


N = 100


def _attack(app, in_db, survey) -> dict[str, tuple[int, int]]:
    """N known participants answer in a known order (participant i answers the number i); the survey closes.
    The attacker pairs the i-th participant (in the order they came, and in the ledger's stored order) with
    the i-th released response in every order the tables carry. Returns (hits by the order they came, hits by
    the ledger's order) for each order of the responses."""
    hashes = [_respond(app, survey, value) for value in range(N)]
    _close(in_db, survey.id)
    value_of = {token_hash: float(value) for value, token_hash in enumerate(hashes)}
    views = in_db(_attacker_views, survey.id)
    ledger = [value_of[token_hash] for token_hash in in_db(_ledger_in_physical_order, survey.id)]
    arrival = [float(value) for value in range(N)]
    for view in views.values():
        assert sorted(view) == arrival  # every answer released, each once
    return {name: (_hits(view, arrival), _hits(view, ledger)) for name, view in views.items()}


def test_an_attacker_with_the_tables_pairs_people_and_answers_no_better_than_chance(app, batched, in_db):
    results = _attack(app, in_db, batched)
    print(f"hits out of {N} (by arrival, by ledger order):", results)  # the figures, with pytest -s
    for name, (by_arrival, by_ledger) in results.items():
        for hits in (by_arrival, by_ledger):
            # Guessing right with chance 1/K would give about N/K hits; 30 or more would happen less than
            # twice in a hundred times by chance. (Measured: about 5 hits on average; a batch of one: N.)
            assert hits < 30, (name, results)
            assert _tail(N, 1 / K, hits) > 0.01, (name, results)


def test_without_batches_the_same_attack_pairs_everyone(app, batched, in_db):
    """The attack is real: with batches of one, the order of the responses gives every participant away.
    The ids are the control: an anonymous response carries only the day, so its time orders nothing, and on
    PostgreSQL the physical order is not a reliable one either (a new row may take the free space that the
    rows earlier tests deleted left once autovacuum has run, so ctid order need not be insertion order)."""
    app.config["CIVIC_ANONYMITY_BATCH"] = 1
    results = _attack(app, in_db, batched)
    assert results["response id"][0] == N and results["answer id"][0] == N


def test_responses_arrive_in_batches_of_k_and_carry_only_the_day(app, batched, in_db):
    released, held = [], []
    for value in range(4 * K + 3):
        _respond(app, batched, value)
        responses, _answers, _ledger = in_db(counts)
        released.append(responses)
        held.append(in_db(_held, batched.id))
    # Nothing released until 2K are waiting; then K at a time, K always kept for the last batch.
    steps = [after - before for before, after in zip([0, *released], released, strict=False)
             if after != before]
    assert steps == [K, K, K] and released[2 * K - 2] == 0
    assert all(r + h == n for n, (r, h) in enumerate(zip(released, held, strict=True), start=1))
    assert min(held[2 * K - 1:]) == K
    _close(in_db, batched.id)
    assert in_db(counts) == (4 * K + 3, 4 * K + 3, 4 * K + 3) and in_db(_held, batched.id) == 0

    times = in_db(lambda: db.session.scalars(select(Response.submitted_at)).all())
    midnight = dt.datetime.combine(dt.datetime.now(ROME).date(), dt.time(), tzinfo=ROME)
    assert {moment.astimezone(ROME) for moment in times} == {midnight}  # the day, no time of day


def test_held_rows_are_sealed_keyed_at_random_and_without_time_or_rowid(app, batched, in_db):
    _respond(app, batched, 7, words="parola-segreta-del-test")

    def look():
        inspector = inspect(db.engine)
        columns = {c["name"] for c in inspector.get_columns("survey_held_responses")}
        rows = db.session.execute(text("SELECT key, sealed FROM survey_held_responses")).all()
        rowid = None
        if db.engine.dialect.name == "sqlite":
            try:
                db.session.execute(text("SELECT rowid FROM survey_held_responses")).all()
            except Exception as error:  # noqa: BLE001 - the error is the point: no rowid to order by
                rowid = str(error)
            db.session.rollback()
        return columns, rows, rowid

    columns, rows, rowid = in_db(look)
    assert columns == {"key", "survey_id", "sealed"}  # no time, no person, no sequence
    (key, sealed), = rows
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert "parola-segreta" not in sealed  # sealed: a copy of the database does not read it
    if in_db(lambda: db.engine.dialect.name) == "sqlite":
        assert rowid is not None and "rowid" in rowid


# --- what people see ----------------------------------------------------------------------------------------


def _results_figures(client, survey_id: int) -> tuple[str, str | None]:
    page = client.get(f"/surveys/{survey_id}/results").get_data(as_text=True)
    total = re.search(r'id="responses-total">([^<]+)<', page).group(1)
    held = re.search(r'id="responses-held">([^<]+)<', page)
    return total, held.group(1) if held else None


def _export_lines(client, survey_id: int) -> int:
    csv = client.get(f"/manage/surveys/{survey_id}/export.csv").get_data(as_text=True)
    return len(csv.strip().splitlines()) - 1


def test_results_and_exports_say_what_is_held_and_count_everything_once_closed(app, client, auth, batched,
                                                                              in_db):
    for value in range(2 * K + 2):
        _respond(app, batched, value)
    auth.login(batched.councillor)
    assert _results_figures(client, batched.id) == (str(K), str(K + 2))
    page = client.get(f"/surveys/{batched.id}/results").get_data(as_text=True)
    assert "non sono ancora contate" in page and f"almeno {K}" in page
    assert _export_lines(client, batched.id) == K
    builder = client.get(f"/manage/surveys/{batched.id}").get_data(as_text=True)
    assert f"altre {K + 2} in attesa" in builder and 'id="locked-notice"' in builder

    closed = client.post(f"/manage/surveys/{batched.id}/close", data={"csrf_token": _any_token(builder)})
    assert closed.status_code == 302
    assert _results_figures(client, batched.id) == (str(2 * K + 2), None)
    page = client.get(f"/surveys/{batched.id}/results").get_data(as_text=True)
    assert "non sono ancora contate" not in page
    assert _export_lines(client, batched.id) == 2 * K + 2


def _any_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_a_survey_past_its_closing_time_releases_the_last_batch_when_its_results_are_read(
        app, client, batched, in_db):
    for value in range(3):  # fewer than K in all: the last batch is every respondent
        _respond(app, batched, value)

    def expire():
        survey = db.session.get(Survey, batched.id)
        survey.closes_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    in_db(expire)
    assert in_db(counts)[0] == 0 and in_db(_held, batched.id) == 3
    assert _results_figures(client, batched.id) == ("3", None)  # public after close; released on the way
    assert in_db(counts) == (3, 3, 3) and in_db(_held, batched.id) == 0
    assert app.test_client().get(f"/surveys/{batched.id}/results").status_code == 200  # nothing twice
    assert in_db(counts) == (3, 3, 3)


def test_paper_responses_are_counted_at_once_with_the_day_only(app, batched, in_db):
    def enter():
        survey = db.session.get(Survey, batched.id)
        actor = make_user(email="carta@example.org", admin=True)
        rows = [{"question_id": batched.number, "option_id": None, "row_id": None, "rank": None,
                 "number": 3.0, "text": None}]
        services.record_paper_response(actor, survey, rows, services.Channel.PAPER)
        db.session.commit()
        return db.session.scalar(select(Response.submitted_at))
    moment = in_db(enter)
    assert moment.astimezone(ROME).time() == dt.time() and in_db(counts) == (1, 1, 0)


def test_the_privacy_page_says_what_remains(client, batched):
    page = client.get("/privacy").get_data(as_text=True)
    assert "Questionari anonimi" in page and f"almeno altre {K} persone" in page
    assert "write-ahead log" in page and "copia di sicurezza" in page


# --- costs and keys -----------------------------------------------------------------------------------------


def test_holding_costs_three_statements_at_most_and_releasing_four_more_whatever_the_batch(
        app, batched, count_queries, in_db):
    costs = []
    for value in range(2 * K):
        browser = app.test_client()
        page = browser.get(f"/surveys/{batched.id}").get_data(as_text=True)
        with count_queries() as counter:
            reply = browser.post(f"/surveys/{batched.id}", data={
                "csrf_token": _any_token(page), f"q{batched.number}": str(value)})
        assert reply.status_code == 302
        costs.append(counter.count)
    # Participation, held response, count of those waiting (3 on SQLite, one statement on PostgreSQL); the
    # survey is read by the first answer only (this process keeps it while it is unchanged); the 2K-th also
    # takes the waiting ones, deletes the K chosen and inserts their responses and their answers (4). On
    # PostgreSQL the answer's statement is a transaction of its own (no BEGIN and COMMIT round trips), so
    # the 2K-th takes the survey's turn to release again first, in the release's transaction (1).
    on_postgresql = in_db(lambda: db.engine.dialect.name) == "postgresql"
    hold, release = (1, 5) if on_postgresql else (3, 4)
    assert costs[1:-1] == [hold] * (2 * K - 2) and costs[-1] == hold + release, costs


def test_answers_that_come_while_a_batch_is_being_released_are_held_without_looking_for_rows(
        app, batched, count_queries, in_db):
    """PostgreSQL: one transaction at a time has a survey's turn to release a batch. An answer that finds
    enough waiting while another transaction has the turn is held in its one statement and leaves the batch
    to it (no search for rows the other one has locked); the next answer after that one ends releases."""
    if in_db(lambda: db.engine.dialect.name) != "postgresql":
        pytest.skip("the turn is a PostgreSQL advisory lock; SQLite's writers take turns anyway")
    for value in range(2 * K - 1):
        _respond(app, batched, value)
    with app.app_context(), db.engine.connect() as other:  # another worker, releasing this survey's batch
        other.execute(text("SELECT pg_advisory_xact_lock(:turn, :survey)"),
                      {"turn": batches.RELEASE_TURN, "survey": batched.id})
        browser = app.test_client()
        page = browser.get(f"/surveys/{batched.id}").get_data(as_text=True)
        with count_queries() as counter:
            reply = browser.post(f"/surveys/{batched.id}", data={
                "csrf_token": _any_token(page), f"q{batched.number}": "7"})
        assert reply.status_code == 302 and counter.count == 1, counter.statements
        assert in_db(_held, batched.id) == 2 * K and in_db(counts)[0] == 0  # held, nothing released
        other.rollback()
    _respond(app, batched, 8)
    assert in_db(_held, batched.id) == K and in_db(counts)[0] == K + 1


def test_responses_held_under_an_old_secret_key_are_released_with_the_fallback(app, batched, in_db):
    _respond(app, batched, 1)
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a new secret key for the test"
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert in_db(lambda: (batches.release(batched.id, everything=True), db.session.commit())[0]) == 1
    assert in_db(counts)[:2] == (1, 1)



# --- concurrency --------------------------------------------------------------------------------------------


BROWSERS = 30


@pytest.mark.slow
def test_parallel_submits_to_several_processes_store_every_acknowledged_answer_once(
        app, batched, in_db, instance_path, database_url):
    """Thirty browsers answer at the same moment through gunicorn's four processes, batches of K: releases
    race with submits, and each held response must reach the responses exactly once."""
    server = GunicornServer(instance_path, database_url, app.config["SECRET_KEY"],
                            extra_env={"CIVIC_ANONYMITY_BATCH": str(K)}).start()
    url = f"{server.url}/surveys/{batched.id}"
    barrier = threading.Barrier(BROWSERS)

    def browse(value: int) -> bool:
        with requests.Session() as browser:
            form = browser.get(url, timeout=60).text
            barrier.wait(timeout=60)
            reply = browser.post(url, timeout=60, allow_redirects=False,
                                 data={"csrf_token": _any_token(form), f"q{batched.number}": str(value)})
            return reply.status_code == 302 and reply.headers["Location"].endswith("/thanks")

    try:
        with ThreadPoolExecutor(max_workers=BROWSERS) as pool:
            acknowledged = [value for value, done in zip(range(BROWSERS), pool.map(browse, range(BROWSERS)),
                                                         strict=True) if done]
    finally:
        server.stop()
    assert len(acknowledged) == BROWSERS, server.log()[-2000:]
    responses, _answers, ledger = in_db(counts)
    assert ledger == BROWSERS and responses + in_db(_held, batched.id) == BROWSERS
    assert responses >= K  # some batches went out while others were still answering
    _close(in_db, batched.id)
    stored = in_db(lambda: sorted(db.session.scalars(text(
        "SELECT number FROM survey_answers WHERE number IS NOT NULL")).all()))
    assert stored == [float(value) for value in acknowledged]  # every answer, each once
