"""Fixed SQL costs (a response is one insert of all its answers, pages do not grow with questions) and the SQL
"who saw this question" that results will count with."""
from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from civic.database import db
from civic.surveys import queries, services, validation
from civic.surveys.models import QuestionKind, Response
from tests.conftest import AuthActions, csrf_token
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.surveys.factories import add_question, add_section, make_survey, option
from tests.surveys.support import counts

KINDS = [
    (QuestionKind.SHORT_TEXT, (), (), "testo"),
    (QuestionKind.SINGLE_CHOICE, ("A", "B", "C"), (), "option"),
    (QuestionKind.MULTIPLE_CHOICE, ("A", "B", "C"), (), "options"),
    (QuestionKind.SCALE, (), (), "3"),
    (QuestionKind.RANKING, ("A", "B", "C"), (), "ranks"),
    (QuestionKind.MATRIX, ("Sì", "No"), ("Uno", "Due"), "cells"),
    (QuestionKind.NUMBER, (), (), "7"),
    (QuestionKind.DATE, (), (), "2015-02-14"),
]


def _survey_with(count: int) -> SimpleNamespace:
    """An open survey of `count` questions cycling through the kinds, and a full valid submission."""
    survey = make_survey(make_consultation(make_body()))
    data = {}
    for n in range(count):
        kind, options, rows, value = KINDS[n % len(KINDS)]
        q = add_question(survey, kind, options=options, rows=rows, required=True, flush_only=True)
        name = f"q{q.id}"
        if value == "option":
            data[name] = str(q.options[0].id)
        elif value == "options":
            data[name] = [str(o.id) for o in q.options[:2]]
        elif value == "ranks":
            data.update({f"{name}-o{o.id}": str(i) for i, o in enumerate(q.options, start=1)})
        elif value == "cells":
            data.update({f"{name}-r{r.id}": str(q.options[0].id) for r in q.rows})
        else:
            data[name] = value
    db.session.commit()
    return SimpleNamespace(id=survey.id, data=data)


@pytest.fixture
def small_and_large(in_db):
    return in_db(_survey_with, 5), in_db(_survey_with, 20)


def _submit_cost(client, count_queries, survey) -> tuple[int, list[str]]:
    page = client.get(f"/surveys/{survey.id}")
    assert page.status_code == 200
    with count_queries() as counter:
        response = client.post(f"/surveys/{survey.id}",
                               data={"csrf_token": csrf_token(page.get_data(as_text=True)), **survey.data})
    assert response.status_code == 302
    return counter.count, counter.statements


def test_a_response_costs_the_same_few_statements_whatever_its_size(app, small_and_large, count_queries,
                                                                    in_db):
    small, large = small_and_large
    small_cost, _ = _submit_cost(app.test_client(), count_queries, small)
    large_cost, statements = _submit_cost(app.test_client(), count_queries, large)
    # Load the survey (1) and, the first time in the process, its questions and their options (2); insert
    # the participation and the held response (2 on SQLite, 1 statement on PostgreSQL); with batches of one
    # (the tests' setting) release it at once: take the waiting ones, delete them, insert the response and
    # all its answers (4). The ledger's unique index stops a second answer. (The default batches:
    # tests/surveys/test_batches.py; signed in: tests/surveys/test_submit_cost.py.)
    expected = 8 if in_db(lambda: db.engine.dialect.name) == "postgresql" else 9
    assert small_cost == large_cost == expected, statements
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO SURVEY_ANSWERS")]
    assert len(inserts) == 1  # one executemany for every answer of the response
    values = sum(len(v) if isinstance(v, list) else 1
                 for survey in (small, large) for v in survey.data.values())
    assert in_db(counts)[1] == values  # every value of both responses is stored


def test_pages_cost_the_same_whatever_the_number_of_questions(app, small_and_large, count_queries, in_db):
    small, large = small_and_large
    councillor = in_db(lambda: make_user(email="boss@example.org", admin=True).email)
    client = app.test_client()
    AuthActions(client).login(councillor)
    client.get("/")  # the process learns that this login session is staff's (civic/accounts/people.py)
    costs = {}
    for survey in (small, large):
        for page in (f"/surveys/{survey.id}", f"/manage/surveys/{survey.id}",
                     f"/manage/surveys/{survey.id}/preview"):
            with count_queries() as counter:
                assert client.get(page).status_code == 200
            costs.setdefault(page.replace(str(survey.id), "<id>"), []).append(counter.count)
    for page, (small_cost, large_cost) in costs.items():
        assert small_cost == large_cost, page


def _conditional_survey():
    """q1 gate (Sì/No) > q2 shown if Sì > q3 shown if q2 has not "B"; section 2 shown if q1 is No, with q4."""
    survey = make_survey(make_consultation(make_body()))
    q1 = add_question(survey, QuestionKind.SINGLE_CHOICE, "Gate", ["Sì", "No"])
    q2 = add_question(survey, QuestionKind.MULTIPLE_CHOICE, "Quali", ["A", "B"], condition=option(q1, "Sì"))
    q3 = add_question(survey, QuestionKind.SHORT_TEXT, "Perché non B", condition=option(q2, "B"), negate=True)
    section = add_section(survey, "Per chi ha detto no", condition=option(q1, "No"))
    q4 = add_question(survey, QuestionKind.SHORT_TEXT, "Perché no", section=section)
    return survey, [q1, q2, q3, q4]


def test_seen_clause_counts_in_sql_who_was_shown_each_question(app_ctx):
    survey, (q1, q2, q3, q4) = _conditional_survey()
    survey = db.session.scalar(queries.survey_with_structure(survey.id))
    rng = random.Random(7)
    expected = {q.id: 0 for q in (q1, q2, q3, q4)}
    for _ in range(60):
        form = MultiDict()
        gate = rng.choice(["Sì", "No", None])
        if gate:
            form.add(f"q{q1.id}", str(option(q1, gate).id))
        for label in rng.sample(["A", "B"], rng.randint(0, 2)):
            form.add(f"q{q2.id}", str(option(q2, label).id))
        form.add(f"q{q3.id}", "testo")
        form.add(f"q{q4.id}", "testo")
        submission = validation.read_submission(survey, form)
        assert submission.ok
        for question_id in submission.visible:
            expected[question_id] += 1
        services.submit_response(survey, submission.rows, channel=services.Channel.PAPER)
    db.session.commit()
    for question in (q1, q2, q3, q4):
        seen = db.session.scalar(select(func.count(Response.id)).where(
            Response.survey_id == survey.id, queries.seen_clause(survey, question)))
        assert seen == expected[question.id], question.prompt
    assert expected[q1.id] == 60 and 0 < expected[q3.id] < expected[q2.id] < 60 and 0 < expected[q4.id] < 60
