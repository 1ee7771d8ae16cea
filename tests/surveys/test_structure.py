"""Submissions are checked against the questions kept per process (civic.surveys.structure): the same
questions as the models, in the same order, and never an old version once the councillor changed them."""
from __future__ import annotations

import re

import pytest

from civic.database import db
from civic.surveys import queries, services, structure
from civic.surveys.models import QuestionKind, QuestionOption, Survey
from tests.conftest import csrf_token, post_form
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.surveys.factories import add_question, add_section, every_kind, good_answers, make_survey, option
from tests.surveys.support import answer, counts, stored_answers


def _described(question) -> tuple:
    """What checking a submission reads of a question, from a model or from its plain-value copy."""
    section = question.section
    return (question.id, question.kind, question.required, question.has_other, question.condition_option_id,
            bool(question.condition_negate), dict(question.settings or {}), section.id,
            section.condition_option_id, bool(section.condition_negate),
            [(o.id, o.label) for o in question.options], [(r.id, r.label) for r in question.rows])


def test_the_kept_questions_are_the_models_questions_in_answering_order(app_ctx):
    survey = make_survey(make_consultation(make_body()))
    q = every_kind(survey)
    yes = db.session.get(QuestionOption, q["help"].options["Sì"])
    later = add_section(survey, "Per chi aiuta", condition=yes)
    gate = add_question(survey, QuestionKind.SINGLE_CHOICE, "Quando?", ["Mattina", "Sera"], section=later)
    add_question(survey, QuestionKind.SHORT_TEXT, "Perché la sera?", condition=option(gate, "Sera"),
                 negate=True, section=later)
    # An earlier section, added last: the order comes from positions, not from ids.
    first = add_section(survey, "Prima di tutto")
    first.position = 0
    db.session.commit()
    add_question(survey, QuestionKind.NUMBER, "Quanti anni hai?", section=first, settings={"min": 0})

    models = db.session.scalar(queries.survey_with_structure(survey.id)).ordered_questions()
    kept = structure.load(survey.id).ordered_questions()
    assert [_described(k) for k in kept] == [_described(m) for m in models]
    assert kept[0].setting("min") == 0 and kept[0].setting("max") is None
    with pytest.raises(TypeError):
        kept[0].settings["max"] = 10  # shared by every request of the process: read-only


@pytest.fixture
def councillor_and_survey(app_ctx):
    """A councillor, and their survey of one question loaded as the builder loads it."""
    body = make_body()
    survey = make_survey(make_consultation(body))
    question_id = add_question(survey, QuestionKind.SINGLE_CHOICE, "Chi sei?", ["Cittadino", "Impresa"]).id
    councillor = make_user(councillor_of=body)
    survey = db.session.scalar(queries.survey_with_structure(survey.id))
    return councillor, survey, next(q for q in survey.ordered_questions() if q.id == question_id)


CHANGES = {
    "add a section": lambda actor, survey, q: services.add_section(actor, survey, "Due", ""),
    "edit a section": lambda actor, survey, q: services.update_section(actor, q.section, "Uno", "Testo"),
    "delete a section": lambda actor, survey, q: services.delete_section(
        actor, services.add_section(actor, survey, "Vuota", "")),
    "move a section": lambda actor, survey, q: services.move_section(actor, q.section, "down"),
    "add a question": lambda actor, survey, q: services.add_question(
        actor, survey, q.section, QuestionKind.SHORT_TEXT, {"prompt": "Nome?"}),
    "edit a question": lambda actor, survey, q: services.update_question(
        actor, q, q.section, {"prompt": "Chi sei?", "options": ["Cittadino", "Impresa", "Ente"]}),
    "delete a question": lambda actor, survey, q: services.delete_question(actor, q),
    "move a question": lambda actor, survey, q: services.move_question(actor, q, "up"),
    "duplicate a question": lambda actor, survey, q: services.duplicate_question(actor, q),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_of_the_questions_gives_the_survey_a_new_version(councillor_and_survey, change):
    actor, survey, question = councillor_and_survey
    before = survey.updated_at
    CHANGES[change](actor, survey, question)
    db.session.commit()
    assert db.session.get(Survey, survey.id).updated_at > before


def _add_required_question(client, survey_id: int) -> int:
    """The councillor adds a required short-text question through the builder; returns its id."""
    page = f"/manage/surveys/{survey_id}/questions/new?kind=short_text"
    html = client.get(page).get_data(as_text=True)
    section = re.search(r'<option selected value="(\d+)">', html).group(1)
    response = post_form(client, page, {"prompt": "In che quartiere abiti?", "help_text": "",
                                        "section": section, "required": "y", "condition_option": "0",
                                        "condition_negate": "0"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"#question-(\d+)", response.headers["Location"]).group(1))


def test_a_question_added_after_a_first_attempt_is_asked_of_the_next_one(app, novi, in_db, auth):
    citizen = app.test_client()
    name = f"q{novi.q['name'].id}"
    incomplete = {field: value for field, value in good_answers(novi.q).items() if field != name}
    first = answer(citizen, novi.id, incomplete)
    assert first.status_code == 422 and in_db(counts) == (0, 0, 0)  # the process now keeps the questions

    auth.login(novi.councillor)
    added = _add_required_question(auth._client, novi.id)

    again = answer(citizen, novi.id, good_answers(novi.q))
    assert again.status_code == 422, "the new required question must be asked"
    assert f'id="q{added}-error"' in again.get_data(as_text=True)
    assert in_db(counts) == (0, 0, 0)
    done = answer(citizen, novi.id, {**good_answers(novi.q), f"q{added}": "Centro"})
    assert done.status_code == 302
    assert (added, None, None, None, None, "Centro") in in_db(stored_answers, novi.id)


def test_once_the_survey_and_its_questions_are_kept_a_response_costs_three_statements_fewer(
        app, novi, in_db, count_queries):
    costs = []
    for _ in range(3):
        browser = app.test_client()
        token = csrf_token(browser.get(f"/surveys/{novi.id}").get_data(as_text=True))
        with count_queries() as counter:
            response = browser.post(f"/surveys/{novi.id}", data={"csrf_token": token, **good_answers(novi.q)})
        assert response.status_code == 302
        costs.append(counter.statements)
    first, second, third = costs
    # Survey (1), questions and their options (2): the first time only (civic.surveys.structure keeps them);
    # participation and held response (2; one statement on PostgreSQL), released at once with batches of
    # one: waiting ones taken, deleted, response and answers inserted (4).
    warm = 5 if in_db(lambda: db.engine.dialect.name) == "postgresql" else 6
    assert len(first) == warm + 3 and len(second) == len(third) == warm, costs
    assert not any("survey_options" in statement or "survey_questions" in statement for statement in second)
    assert in_db(counts)[0] == 3
