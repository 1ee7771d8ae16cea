"""What an answer reads of its survey is kept per process (civic.surveys.structure.answering): a busy
survey's answers do not read the survey row again. A change of the survey or of its consultation made
anywhere (a councillor's form, another process, a raw statement) takes effect at the very next answer."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from civic.census.eligibility import Audience
from civic.database import db
from civic.surveys.models import Participation, QuestionKind
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_body, make_user
from tests.meetings.factories import make_consultation
from tests.surveys.factories import add_question, make_survey


def _survey():
    survey = make_survey(make_consultation(make_body()), audience=Audience.REGISTERED)
    question = add_question(survey, QuestionKind.SINGLE_CHOICE, "Ti serve?", options=("Sì", "No"),
                            required=True)
    for n in range(3):
        make_user(f"persona{n}@example.org")
    db.session.commit()
    return survey.id, survey.consultation_id, {f"q{question.id}": str(question.options[0].id)}


def _answer(app, n: int, survey_id: int, data: dict):
    client = app.test_client()
    AuthActions(client).login(f"persona{n}@example.org")
    page = client.get(f"/surveys/{survey_id}")
    token = csrf_token(page.get_data(as_text=True)) if page.status_code == 200 else ""
    return client.post(f"/surveys/{survey_id}", data={"csrf_token": token, **data})


def _answers(app, survey_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Participation)
                                 .where(Participation.survey_id == survey_id))


@pytest.mark.parametrize(("change", "refused_with"), [
    ("UPDATE surveys SET status = 'closed' WHERE id = :survey", 302),
    ("UPDATE surveys SET closes_at = '2000-01-01 00:00:00' WHERE id = :survey", 302),
    ("UPDATE surveys SET audience = 'resident' WHERE id = :survey", 302),
    ("UPDATE consultations SET status = 'draft' WHERE id = :consultation", 404),
])
def test_a_change_of_the_survey_made_by_a_raw_statement_holds_at_the_next_answer(app, in_db, change,
                                                                                  refused_with):
    survey_id, consultation_id, data = in_db(_survey)
    first = _answer(app, 0, survey_id, data)  # the process now keeps the survey as answering reads it
    assert first.status_code == 302 and first.headers["Location"].endswith("/thanks")

    def run():
        db.session.execute(text(change), {"survey": survey_id, "consultation": consultation_id})
        db.session.commit()
    in_db(run)
    # The survey page says why (it is read afresh); the POST itself is refused too.
    client = app.test_client()
    AuthActions(client).login("persona1@example.org")
    token = csrf_token(client.get("/surveys/").get_data(as_text=True) or "")
    second = client.post(f"/surveys/{survey_id}", data={"csrf_token": token, **data})
    assert second.status_code == refused_with
    if refused_with == 302:
        assert not second.headers["Location"].endswith("/thanks")
    assert _answers(app, survey_id) == 1


def test_a_councillor_closing_the_survey_stops_the_next_answer(app, in_db):
    survey_id, _consultation_id, data = in_db(_survey)
    assert _answer(app, 0, survey_id, data).headers["Location"].endswith("/thanks")
    admin = in_db(lambda: make_user("sindaca@example.org", admin=True).email)
    councillor = app.test_client()
    AuthActions(councillor).login(admin)
    page = councillor.get(f"/manage/surveys/{survey_id}").get_data(as_text=True)
    closed = councillor.post(f"/manage/surveys/{survey_id}/close", data={"csrf_token": csrf_token(page)})
    assert closed.status_code in (302, 303)
    refused = _answer(app, 1, survey_id, data)
    assert refused.status_code == 302 and not refused.headers["Location"].endswith("/thanks")
    assert _answers(app, survey_id) == 1


def test_answers_in_a_row_read_the_survey_once(app, in_db, count_queries):
    survey_id, _consultation_id, data = in_db(_survey)
    _answer(app, 0, survey_id, data)
    client = app.test_client()
    AuthActions(client).login("persona1@example.org")
    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    with count_queries() as counter:
        reply = client.post(f"/surveys/{survey_id}", data={"csrf_token": csrf_token(page), **data})
    assert reply.headers["Location"].endswith("/thanks")
    assert not [s for s in counter.statements if "FROM surveys" in s], counter.statements
