"""Several conditions per question or section, joined with AND or OR: the same truth table from the
validation (models and cached shapes), the results' "who saw it" (SQL) and the page without JavaScript; the
builder stores them and refuses a condition on a later question."""
from __future__ import annotations

import itertools
import re
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from civic.database import db
from civic.results import report
from civic.surveys import structure, validation
from civic.surveys.models import Question, QuestionKind, SurveyCondition, SurveySection
from tests.conftest import csrf_token, post_form
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.support.checks import assert_valid_html
from tests.surveys.factories import add_question, add_section, make_survey
from tests.surveys.support import stored_answers
from tests.surveys.test_builder import add, create_survey, load_survey, office  # noqa: F401

ROLES = (None, "Sì", "No")
MOVES = [frozenset(c) for n in range(3) for c in itertools.combinations(("Auto", "Bici"), n)]


@pytest.fixture
def gates(in_db):
    """Q1 "Abiti a Novi?" (Sì / No), Q2 "Come ti sposti?" (Auto / Bici / Bus, several); Q3 shown when
    Q1 = Sì AND NOT Q2 = Auto; Q4 when Q1 = No OR Q2 = Bici; section 2 (Q5) when Q1 = Sì OR Q2 = Bus."""

    def build():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        survey = make_survey(make_consultation(body, slug="coworking-novi-ligure"))
        live = add_question(survey, QuestionKind.SINGLE_CHOICE, "Abiti a Novi?", options=("Sì", "No"))
        move = add_question(survey, QuestionKind.MULTIPLE_CHOICE, "Come ti sposti?",
                            options=("Auto", "Bici", "Bus"))
        opt = {q.prompt: {o.label: o.id for o in q.options} for q in (live, move)}
        both = add_question(survey, QuestionKind.SHORT_TEXT, "Perché non in auto?",
                            condition=live.options[0])
        both.extra_conditions = [SurveyCondition(position=1, option_id=opt["Come ti sposti?"]["Auto"],
                                                 negate=True)]
        either = add_question(survey, QuestionKind.SHORT_TEXT, "Che cosa ti serve?",
                              condition=live.options[1])
        either.condition_any = True
        either.extra_conditions = [SurveyCondition(position=1, option_id=opt["Come ti sposti?"]["Bici"])]
        section = add_section(survey, "Trasporti", condition=live.options[0])
        section.condition_any = True
        section.extra_conditions = [SurveyCondition(position=1, option_id=opt["Come ti sposti?"]["Bus"])]
        later = add_question(survey, QuestionKind.SHORT_TEXT, "Quale linea?", section=section)
        db.session.commit()
        make_user(email="consigliere@example.org", councillor_of=body)
        return SimpleNamespace(id=survey.id, live=live.id, move=move.id, both=both.id, either=either.id,
                               later=later.id, section=section.id, opt=opt)

    return in_db(build)


def _expected(role, moves) -> set[str]:
    shown = {"live", "move"}
    if role == "Sì" and "Auto" not in moves:
        shown.add("both")
    if role == "No" or "Bici" in moves:
        shown.add("either")
    if role == "Sì" or "Bus" in moves:
        shown.add("later")
    return shown


def _form(g, role, moves, texts: bool = True) -> MultiDict:
    pairs = [(f"q{g.live}", str(g.opt["Abiti a Novi?"][role]))] if role else []
    pairs += [(f"q{g.move}", str(g.opt["Come ti sposti?"][m])) for m in sorted(moves)]
    if texts:  # every text answered, as a browser without JavaScript may send them
        pairs += [(f"q{getattr(g, key)}", f"Risposta {key}") for key in ("both", "either", "later")]
    return MultiDict(pairs)


def _names(g, ids) -> set[str]:
    return {key for key in ("live", "move", "both", "either", "later") if getattr(g, key) in ids}


def test_the_truth_table_of_and_or_and_negation_holds_for_models_and_cached_shapes(app, gates):
    with app.app_context():
        survey = load_survey(gates.id)
        shape = structure.load(gates.id)
        for role, moves in itertools.product(ROLES, MOVES + [frozenset({"Bus"}), frozenset({"Bici", "Bus"})]):
            form = _form(gates, role, moves)
            expected = _expected(role, moves)
            assert _names(gates, validation.read_submission(survey, form).visible) == expected, (role, moves)
            assert _names(gates, validation.read_submission(shape, form).visible) == expected, (role, moves)


def test_without_javascript_answers_to_hidden_questions_are_ignored_and_results_count_who_saw(app, gates,
                                                                                              in_db):
    cases = [("Sì", {"Bici"}), ("Sì", {"Auto"}), ("No", set()), (None, {"Bus"}), ("No", {"Auto", "Bici"})]
    for role, moves in cases:
        client = app.test_client()
        page = client.get(f"/surveys/{gates.id}").get_data(as_text=True)
        data = {"csrf_token": csrf_token(page), **_form(gates, role, frozenset(moves)).to_dict(flat=False)}
        response = client.post(f"/surveys/{gates.id}", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
    stored = in_db(stored_answers, gates.id)
    texts = {(row[0], row[5]) for row in stored if row[5]}
    expected_texts = set()
    for role, moves in cases:
        for key in _expected(role, frozenset(moves)) & {"both", "either", "later"}:
            expected_texts.add((getattr(gates, key), f"Risposta {key}"))
    assert texts == expected_texts
    assert sum(1 for row in stored if row[0] == gates.both) == 1  # only ("Sì", {"Bici"})

    def seen():
        built = report.build(load_survey(gates.id))
        return {key: built.question(getattr(gates, key)).seen for key in ("both", "either", "later")}

    keys = ("both", "either", "later")
    wanted = {key: sum(key in _expected(r, frozenset(m)) for r, m in cases) for key in keys}
    assert in_db(seen) == wanted == {"both": 1, "either": 3, "later": 3}


def test_the_page_lists_every_condition_for_javascript_and_in_the_note(client, gates):
    html = client.get(f"/surveys/{gates.id}").get_data(as_text=True)
    block = re.search(rf'<fieldset[^>]*id="question-{gates.both}"[^>]*>', html).group(0)
    assert 'data-condition-any="0"' in block
    auto, yes = gates.opt["Come ti sposti?"]["Auto"], gates.opt["Abiti a Novi?"]["Sì"]
    assert f'[[&#34;q{gates.live}&#34;, {yes}, 0], [&#34;q{gates.move}&#34;, {auto}, 1]]' in block
    assert "Rispondi solo se hai scelto «Sì» nella domanda 1 e non hai scelto «Auto» nella domanda 2." in html
    assert "Rispondi solo se hai scelto «No» nella domanda 1 o hai scelto «Bici» nella domanda 2." in html
    section = re.search(rf'<div[^>]*id="section-{gates.section}"[^>]*>', html).group(0)
    assert 'data-condition-any="1"' in section


def test_the_builder_stores_several_conditions_and_refuses_a_later_question(client, auth, office,  # noqa: F811
                                                                             in_db):
    auth.login("consigliere@example.org")
    survey_id = create_survey(client, office.consultation_id)
    builder = f"/manage/surveys/{survey_id}"
    live = add(client, survey_id, "single_choice", prompt="Abiti a Novi?", options="Sì\nNo")
    move = add(client, survey_id, "multiple_choice", prompt="Come ti sposti?", options="Auto\nBici")
    yes, no = in_db(lambda: [o.id for o in db.session.get(Question, live).options])
    auto, bike = in_db(lambda: [o.id for o in db.session.get(Question, move).options])
    text = add(client, survey_id, "short_text", prompt="Perché?", condition_option=str(no),
               **{"more_conditions-0-option": str(bike), "more_conditions-0-negate": "1",
                  "condition_any": "1"})

    def conditions(question_id):
        question = db.session.get(Question, question_id)
        return question.conditions(), question.condition_any

    assert in_db(conditions, text) == ([(no, False), (bike, True)], True)
    edit = f"{builder}/questions/{text}"
    html = client.get(edit).get_data(as_text=True)
    assert f'<option selected value="{bike}">' in html and 'name="more_conditions-1-option"' in html
    assert_valid_html({"question form": html})

    # An answer of a later question (or not offered at all) is refused beside the field; nothing changes.
    section = re.search(r'<option selected value="(\d+)">', html).group(1)
    base = {"csrf_token": csrf_token(html), "prompt": "Perché?", "section": section, "max_length": "",
            "condition_option": str(yes), "condition_negate": "0", "condition_any": "0"}
    for forged in (str(bike), "999999"):
        page = client.get(f"{builder}/questions/{live}").get_data(as_text=True)
        refused = client.post(f"{builder}/questions/{live}", data={
            "csrf_token": csrf_token(page), "prompt": "Abiti a Novi?", "section": section,
            "options": "Sì\nNo",
            "condition_option": "0", "condition_negate": "0", "more_conditions-0-option": forged})
        assert refused.status_code == 422
        assert ("Una condizione può dipendere solo da una risposta a una domanda a scelta precedente."
                in refused.get_data(as_text=True))
        assert in_db(conditions, live) == ([], False)
    # Removing a condition: choose "always" for it.
    saved = client.post(edit, data={**base, "more_conditions-0-option": "0"})
    assert saved.status_code == 302
    assert in_db(conditions, text) == ([(yes, False)], False)

    # A section with two conditions joined with AND.
    created = post_form(client, f"{builder}/sections/new", {
        "title": "Trasporti", "description": "", "condition_option": str(yes), "condition_negate": "0",
        "more_conditions-0-option": str(auto), "more_conditions-0-negate": "1", "condition_any": "0"})
    assert created.status_code == 302
    section_id = in_db(lambda: load_survey(survey_id).ordered_sections()[1].id)
    stored = in_db(lambda: db.session.get(SurveySection, section_id).conditions())
    assert stored == [(yes, False), (auto, True)]
    add(client, survey_id, "short_text", section_id=section_id, prompt="Quale linea?")
    english = client.get(f"{builder}/preview?lang=en").get_data(as_text=True)
    assert ("Answer this section only if you chose “Sì” in question 1 and you did not choose “Auto” in "
            "question 2.") in english


def test_the_survey_page_is_valid_html_in_italian_and_english(client, gates):
    assert_valid_html({"it": client.get(f"/surveys/{gates.id}").get_data(as_text=True),
                       "en": client.get(f"/surveys/{gates.id}?lang=en").get_data(as_text=True)})
