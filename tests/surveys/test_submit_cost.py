"""What one signed-in web submit of ten answers costs in SQL statements (issue 18), named and anonymous, open
to anyone (any account, for a named survey) and to verified residents only: the questions kept per process,
the person's identity and residence read once in one query, and on PostgreSQL the ledger, the response or the
held response, the answers and the draft's deletion written in one statement. The first submit in a process
also reads the survey and loads its questions (3 more): the pinned cost is what every further submit pays."""
from __future__ import annotations

import contextlib
import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from civic.census.eligibility import Audience
from civic.census.models import Method, Verification
from civic.database import db, utcnow
from civic.surveys.models import Answer, QuestionKind, Response
from tests.conftest import BACKEND, AuthActions, csrf_token
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.support.people import forget_people
from tests.surveys.factories import add_question, make_survey
from tests.surveys.support import counts, release_held

ANSWERS = 10


def _build(anonymous: bool, audience: Audience):
    body = make_body()
    survey = make_survey(make_consultation(body), anonymous=anonymous, audience=audience)
    data = {}
    for _ in range(ANSWERS):
        question = add_question(survey, QuestionKind.SINGLE_CHOICE, options=("Sì", "No"), required=True,
                                flush_only=True)
        data[f"q{question.id}"] = str(question.options[0].id)
    emails = []
    for _ in range(3):
        user = make_user()
        emails.append(user.email)
        now = utcnow()
        db.session.add(Verification(user_id=user.id, body_id=body.id, method=Method.IDENTITY, level=2,
                                    verified_at=now - dt.timedelta(days=1),
                                    expires_at=now + dt.timedelta(days=30)))
    db.session.commit()
    return survey.id, data, emails


def _submit(app, count_queries, survey_id, data, email, forgotten: str | None = None) -> list[str]:
    """One answer after the survey page; `forgotten`: the answer reaches another worker process, which has
    not met them yet, of the same "machine" as the page's, or of "another" machine."""
    client = app.test_client()
    AuthActions(client).login(email)
    page = client.get(f"/surveys/{survey_id}")
    assert page.status_code == 200
    if forgotten:
        forget_people(app, shelf=forgotten == "another")
    with count_queries() as counter:
        response = client.post(f"/surveys/{survey_id}",
                               data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks"), \
        response.get_data(as_text=True)[:2000]
    return counter.statements


# (anonymous, audience, batch size) -> statements on (SQLite, PostgreSQL). Before issue 18 they were: named
# 11 and 13 (residents only), anonymous released at once 12 and 14, anonymous held 9 and 11, on both.
# Every case: the person's identity and residence (1), asked of them for the first time (who they are the
# process knows from the survey page, civic/accounts/people.py); the survey is kept per process like its
# questions (civic.surveys.structure.answering). Then on SQLite the
# ledger, the draft's deletion, and the response and its answers (2) or the held response (1) with, for
# the batch of one, its release (4: the tests' setting), else the count of those waiting (1); a named answer
# also makes the person follow the consultation (2). On PostgreSQL the writes are one statement.
COSTS = {
    (False, Audience.REGISTERED, 1): (7, 4),
    (False, Audience.RESIDENT, 1): (7, 4),
    (True, Audience.ANYONE, 1): (8, 6),
    (True, Audience.RESIDENT, 1): (8, 6),
    (True, Audience.ANYONE, 10): (5, 2),
    (True, Audience.RESIDENT, 10): (5, 2),
}


@pytest.mark.parametrize(("anonymous", "audience", "batch"), list(COSTS))
def test_a_signed_in_submit_of_ten_answers_costs_few_statements(app, count_queries, in_db, anonymous,
                                                                audience, batch):
    app.config["CIVIC_ANONYMITY_BATCH"] = batch
    survey_id, data, emails = in_db(_build, anonymous, audience)
    costs = [_submit(app, count_queries, survey_id, data, email) for email in emails]
    first, second, third = costs
    assert len(second) == len(third) == len(first) - 3, costs  # survey and questions: read once per process
    sqlite, postgresql = COSTS[(anonymous, audience, batch)]
    expected = postgresql if in_db(lambda: db.engine.dialect.name) == "postgresql" else sqlite
    assert len(second) == expected, second
    responses, answers, ledger = in_db(counts)
    assert ledger == 3
    if batch > 1:  # held, sealed: nothing readable until a batch is released
        assert (responses, answers) == (0, 0)
        assert in_db(release_held, survey_id) == 3
        responses, answers = in_db(counts)[:2]
    assert responses == 3 and answers == 3 * ANSWERS  # every answer of every person stored


def test_a_second_submit_by_the_same_person_writes_nothing(app, in_db):
    for anonymous, audience in ((False, Audience.REGISTERED), (True, Audience.ANYONE)):
        survey_id, data, emails = in_db(_build, anonymous, audience)
        client = app.test_client()
        AuthActions(client).login(emails[0])
        for _ in range(2):
            page = client.get(f"/surveys/{survey_id}")
            response = client.post(f"/surveys/{survey_id}",
                                   data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})
            assert response.status_code == 302
    assert in_db(counts) == (2, 2 * ANSWERS, 2)


def test_a_named_answer_keeps_the_order_of_its_answers(app, count_queries, in_db):
    survey_id, data, emails = in_db(_build, False, Audience.REGISTERED)
    _submit(app, count_queries, survey_id, data, emails[0])
    stored = in_db(lambda: db.session.execute(
        select(Answer.question_id).join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey_id).order_by(Answer.id)).scalars().all())
    assert stored == sorted(int(name[1:]) for name in data)


def _unverified(count: int) -> list[str]:
    emails = [make_user().email for _ in range(count)]
    db.session.commit()
    return emails


def test_a_citizen_new_to_the_process_is_read_with_their_identity_in_one_statement(app, count_queries, in_db):
    """An answer often reaches another worker process than the survey page did. On the same machine, that
    process finds who they are on the shelf the page's process put them on (civic/core/shelf.py). On another
    machine, a citizen without a valid verification is read with their
    identity's keyed hash (their voice) in the statement that learns who they are; a verified resident's
    bodies take one statement more."""
    app.config["CIVIC_ANONYMITY_BATCH"] = 10
    survey_id, data, verified = in_db(_build, True, Audience.ANYONE)
    unverified = in_db(_unverified, 2)
    _submit(app, count_queries, survey_id, data, verified[0])  # the survey and its questions read once
    met_on_the_page = _submit(app, count_queries, survey_id, data, unverified[0])
    new = _submit(app, count_queries, survey_id, data, unverified[1], forgotten="another")
    new_and_verified = _submit(app, count_queries, survey_id, data, verified[1], forgotten="another")
    shelved = _submit(app, count_queries, survey_id, data, verified[2], forgotten="machine")
    sqlite, postgresql = COSTS[(True, Audience.ANYONE, 10)]
    expected = postgresql if in_db(lambda: db.engine.dialect.name) == "postgresql" else sqlite
    assert len(met_on_the_page) == expected - 1, met_on_the_page  # their identity came with the page
    assert len(new) == expected, new  # who they are and their identity: one statement
    assert sum("auth_sessions" in statement for statement in new) == 1
    assert not any("census_verifications.body_id" in statement for statement in new)
    assert len(new_and_verified) == expected + 1, new_and_verified
    assert len(shelved) == expected, shelved  # who they are from the shelf; their bodies, first asked now
    assert not any("auth_sessions" in statement for statement in shelved)
    assert sum("census_verifications.body_id" in statement for statement in shelved) == 1
    assert in_db(counts)[2] == 5  # every answer in the ledger


def _uncounted():
    return contextlib.nullcontext(SimpleNamespace(statements=[]))


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite has no statement that is a whole answer: its "
                                                    "answers are written one statement at a time")
def test_on_postgresql_an_answer_is_its_own_transaction_and_a_release_takes_its_turn_in_one(app, in_db):
    """The answer's one statement runs alone (no BEGIN or COMMIT around it); the answer that makes a batch
    takes the survey's turn again and releases it in a transaction of its own."""
    app.config["CIVIC_ANONYMITY_BATCH"] = 2  # held until 4 wait, then 2 of them released
    survey_id, data, emails = in_db(_build, True, Audience.ANYONE)
    emails += in_db(_unverified, 1)
    with app.app_context():
        engine = db.engine
    sent = []

    def note(conn, cursor, statement, parameters, context, executemany):
        sent.append((" ".join(statement.split()[:2]), not conn.connection.dbapi_connection.autocommit))

    event.listen(engine, "before_cursor_execute", note)
    try:
        for email in emails:
            sent.clear()
            _submit(app, _uncounted, survey_id, data, email)
            answer = [in_transaction for head, in_transaction in sent if head == "WITH ledger"]
            assert answer == [False], repr(sent)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    after_answer = sent[[head for head, _ in sent].index("WITH ledger") + 1:]
    assert after_answer[0][0] == "SELECT pg_try_advisory_xact_lock(1801,", after_answer
    assert all(in_transaction for _, in_transaction in after_answer), after_answer
    assert in_db(counts) == (2, 2 * ANSWERS, 4)  # two released, two still held, four in the ledger
