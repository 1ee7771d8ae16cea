"""A survey answer takes who answers from what the process knows of them (civic/accounts/people.py), their
identity and residence included: the rules still hold at once when those change elsewhere, and a survey for
people signed in with SPID or CIE reads the level of this very login session."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text

from civic.accounts.models import AuthSession
from civic.census.eligibility import Audience
from civic.census.models import Method, Verification
from civic.database import db, utcnow
from civic.identity.models import Identity, IdentityLogin, Provider
from civic.surveys.models import Participation, QuestionKind, Survey
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_body, make_user
from tests.meetings.factories import make_consultation
from tests.surveys.factories import add_question, make_survey


def _town(audience: Audience):
    body = make_body()
    survey = make_survey(make_consultation(body), audience=audience, audience_level=2)
    question = add_question(survey, QuestionKind.SINGLE_CHOICE, "Ti serve?", options=("Sì", "No"),
                            required=True)
    anna = make_user("anna@example.org", name="Anna Rossi")
    make_user("bruno@example.org", name="Bruno Neri")
    now = utcnow()
    db.session.add(Verification(user_id=anna.id, body_id=body.id, method=Method.IDENTITY, level=2,
                                verified_at=now - dt.timedelta(days=1),
                                expires_at=now + dt.timedelta(days=30)))
    db.session.commit()
    return survey.id, {f"q{question.id}": str(question.options[0].id)}


def _open(app, email: str, survey_id: int):
    """Signed in, on the survey page twice (the second from the kept render: the process knows them)."""
    client = app.test_client()
    AuthActions(client).login(email)
    client.get(f"/surveys/{survey_id}")
    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    return client, page


def _answers(app, survey_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Participation)
                                 .where(Participation.survey_id == survey_id))


def _second_survey(first_id: int):
    survey = make_survey(db.session.get(Survey, first_id).consultation, audience=Audience.RESIDENT)
    question = add_question(survey, QuestionKind.SINGLE_CHOICE, "Quando?", options=("Sera", "Mattina"),
                            required=True)
    return survey.id, {f"q{question.id}": str(question.options[0].id)}


def test_a_residence_revoked_elsewhere_refuses_the_answer_at_once(app, in_db):
    first_id, first_data = in_db(_town, Audience.RESIDENT)
    survey_id, data = in_db(_second_survey, first_id)
    anna, page = _open(app, "anna@example.org", first_id)
    sent = anna.post(f"/surveys/{first_id}", data={"csrf_token": csrf_token(page), **first_data})
    assert sent.headers["Location"].endswith("/thanks")  # her residence is now known to the process
    anna.get(f"/surveys/{first_id}/thanks")
    page = anna.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert 'id="survey-form"' in page
    with app.app_context():
        db.session.execute(text("DELETE FROM census_verifications"))  # raw SQL, as an operator might
        db.session.commit()
    sent = anna.post(f"/surveys/{survey_id}", data={"csrf_token": csrf_token(page), **data})
    assert sent.status_code == 302 and not sent.headers["Location"].endswith("/thanks")
    assert _answers(app, survey_id) == 0
    assert "residenti" in anna.get(sent.headers["Location"]).get_data(as_text=True)


def test_a_verified_resident_known_to_the_process_answers(app, in_db):
    survey_id, data = in_db(_town, Audience.RESIDENT)
    anna, page = _open(app, "anna@example.org", survey_id)
    sent = anna.post(f"/surveys/{survey_id}", data={"csrf_token": csrf_token(page), **data})
    assert sent.headers["Location"].endswith("/thanks")
    bruno, page = _open(app, "bruno@example.org", survey_id)
    assert 'id="survey-form"' not in page
    assert _answers(app, survey_id) == 1


def test_a_spid_survey_reads_the_level_of_this_login_session(app, in_db):
    survey_id, data = in_db(_town, Audience.IDENTITY)
    anna, page = _open(app, "anna@example.org", survey_id)
    assert 'id="survey-form"' not in page  # a password login: no SPID level
    with app.app_context():  # as signing in with SPID level 2 in this very session records it
        user_id = db.session.scalar(select(AuthSession.user_id))
        identity = Identity(user_id=user_id, subject="a" * 64, provider=Provider.SPID, level=2,
                            idp_entity_id="https://idp.example.org")
        db.session.add(identity)
        db.session.flush()
        db.session.add(IdentityLogin(session_hash=db.session.scalar(select(AuthSession.token_hash)),
                                     identity_id=identity.id, provider=Provider.SPID, level=2,
                                     idp_entity_id="https://idp.example.org", name_id="_transient",
                                     name_qualifier="https://idp.example.org"))
        db.session.commit()
    page = anna.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert 'id="survey-form"' in page
    sent = anna.post(f"/surveys/{survey_id}", data={"csrf_token": csrf_token(page), **data})
    assert sent.headers["Location"].endswith("/thanks")
    assert _answers(app, survey_id) == 1
