"""Fixtures of the survey tests. Requests must not run inside a test's app context (the test client then
shares its `g` and database session), so set-up and checks run in their own short contexts through `in_db`."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from civic.database import db
from civic.surveys.models import QuestionKind
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.surveys.factories import add_question, every_kind, make_survey


@pytest.fixture
def in_db(app):
    """`in_db(function, *args)`: call it in a fresh app context and return what it returns."""

    def run(function, *args, **kwargs):
        with app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    return run


@pytest.fixture
def novi(in_db):
    """An open anonymous survey with every kind of question (see factories.every_kind), its body's councillor
    and a citizen."""

    def build():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, title="Coworking a Novi Ligure", slug="coworking-novi-ligure")
        survey = make_survey(consultation, title="Il coworking a Novi Ligure")
        questions = every_kind(survey)
        councillor = make_user(email="consigliere@example.org", councillor_of=body)
        citizen = make_user(email="citizen@example.org")
        return SimpleNamespace(id=survey.id, q=questions, body_id=body.id, consultation_id=consultation.id,
                               councillor=councillor.email, citizen=citizen.email)

    return in_db(build)


@pytest.fixture
def closed_list(in_db):
    """An open anonymous survey only invited people may answer, with one required question, and the body's
    councillor."""

    def build():
        body = make_body("comune-di-ovada", "Comune di Ovada")
        consultation = make_consultation(body, title="Consiglio dei ragazzi", slug="consiglio-ragazzi-ovada")
        survey = make_survey(consultation, title="Il consiglio dei ragazzi", invited_only=True)
        question = add_question(survey, QuestionKind.SINGLE_CHOICE, "Ti piace?", options=("Sì", "No"),
                                required=True)
        make_user(email="consigliere@example.org", councillor_of=body)
        return SimpleNamespace(id=survey.id, field=f"q{question.id}", yes=str(question.options[0].id))

    return in_db(build)
