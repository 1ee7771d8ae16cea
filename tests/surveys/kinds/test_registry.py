"""The registry of question kinds: every kind has its two templates and is in the builder's picker, a
question's kind loads as the kind itself, and a name that is no kind never reaches the database."""
from __future__ import annotations

import re

import pytest

from civic.database import db
from civic.surveys import kinds
from civic.surveys.models import Question, QuestionKind
from tests.conftest import csrf_token
from tests.consultations.factories import make_consultation
from tests.factories import make_body
from tests.surveys.factories import add_question, make_survey


def test_every_kind_has_its_own_name_and_both_templates(app):
    names = [kind.name for kind in kinds.KINDS]
    assert len(set(names)) == len(names) and set(QuestionKind) <= set(names)
    for kind in kinds.KINDS:
        assert kinds.of(kind.name) is kind and kinds.get(kind) is kind
        app.jinja_env.get_template(kind.answer_template)
        app.jinja_env.get_template(kind.results_template)
    assert kinds.get("nope") is None and kinds.get(None) is None
    with pytest.raises(kinds.UnknownKind):
        kinds.of("nope")


def test_a_stored_kind_loads_as_the_kind_and_an_unknown_name_is_refused(app_ctx):
    survey = make_survey(make_consultation(make_body()))
    question_id = add_question(survey, QuestionKind.SCALE, "Quanto?").id
    db.session.expire_all()
    kind = db.session.get(Question, question_id).kind
    assert kind is kinds.of("scale") and kind == "scale" and kind.value == "scale"
    with pytest.raises(ValueError):
        Question(kind="yes_or_maybe")


def test_the_picker_offers_every_kind_and_an_unknown_one_is_not_found(client, auth, novi):
    auth.login(novi.councillor)
    builder = client.get(f"/manage/surveys/{novi.id}?lang=en").get_data(as_text=True)
    picker = re.search(r'<select[^>]*name="kind".*?</select>', builder, re.S).group(0)
    assert re.findall(r'value="([a-z_]+)"', picker) == [kind.name for kind in kinds.KINDS]
    for kind in ("nope", "", "Matrix", "matrix "):
        assert client.get(f"/manage/surveys/{novi.id}/questions/new?kind={kind}").status_code == 404
    page = client.get(f"/manage/surveys/{novi.id}/questions/new?kind=scale").get_data(as_text=True)
    refused = client.post(f"/manage/surveys/{novi.id}/questions/new?kind=bogus",
                          data={"csrf_token": csrf_token(page), "prompt": "Quanto?", "section": "1"})
    assert refused.status_code == 404
