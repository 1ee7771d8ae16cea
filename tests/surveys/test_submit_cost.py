"""What one signed-in web submit of ten answers costs in SQL statements, named and anonymous, open to anyone
(any account, for a named survey) and to verified residents only (issue 18): the per-process copies of the questions and of the rule, the
ledger and the response written in as few statements as the database allows. The statements of the first
submit in a process (the questions loaded once) are not counted: the warm cost is what a busy survey pays."""
from __future__ import annotations

import datetime as dt

import pytest

from civic.census.eligibility import Audience
from civic.census.models import Method, Verification
from civic.database import db, utcnow
from civic.surveys.models import QuestionKind
from tests.conftest import AuthActions, csrf_token
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.surveys.factories import add_question, make_survey
from tests.surveys.support import counts

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


def _submit(app, count_queries, survey_id, data, email) -> list[str]:
    client = app.test_client()
    AuthActions(client).login(email)
    page = client.get(f"/surveys/{survey_id}")
    assert page.status_code == 200
    with count_queries() as counter:
        response = client.post(f"/surveys/{survey_id}",
                               data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks"), \
        response.get_data(as_text=True)[:2000]
    return counter.statements


# Signed in, questions kept by the process: (named or anonymous, audience) -> statements.
COSTS = {
    (False, Audience.REGISTERED): None,
    (False, Audience.RESIDENT): None,
    (True, Audience.ANYONE): None,
    (True, Audience.RESIDENT): None,
}


@pytest.mark.parametrize(("anonymous", "audience"), list(COSTS))
def test_a_signed_in_submit_of_ten_answers_costs_few_statements(app, count_queries, in_db, anonymous,
                                                                audience):
    survey_id, data, emails = in_db(_build, anonymous, audience)
    costs = [_submit(app, count_queries, survey_id, data, email) for email in emails]
    warm = costs[1:]
    assert len(warm[0]) == len(warm[1]), warm
    print(f"\nSUBMIT anonymous={anonymous} audience={audience.value}: first {len(costs[0])}, "
          f"warm {len(warm[0])}\n  " + "\n  ".join(s.replace("\n", " ")[:160] for s in warm[0]))
    responses, answers = in_db(counts)[:2]
    assert responses == 3 and answers == 3 * ANSWERS  # every answer of every person stored
    expected = COSTS[(anonymous, audience)]
    if expected is not None:
        assert len(warm[0]) == expected, warm[0]
