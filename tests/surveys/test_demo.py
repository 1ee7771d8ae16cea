"""The Novi Ligure coworking demo survey: in Italian, every kind of question the meeting asked about, a few
hundred generated responses, loaded once."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from civic.consultations.demo import NOVI_SLUG
from civic.consultations.models import Consultation
from civic.database import db
from civic.surveys import demo
from civic.surveys.models import Answer, Participation, Question, QuestionKind, Response, Survey
from tests.consultations.factories import make_consultation
from tests.factories import make_body


def _load_twice():
    body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
    existing = make_consultation(body, slug=NOVI_SLUG, title="Creata dalla demo delle consultazioni")
    context = {"bodies": {"novi": body}, "consultations": {"novi": existing}}
    lines = []
    started = time.monotonic()
    survey = demo.load(context, lines.append)["novi"]
    elapsed = time.monotonic() - started
    demo.load(context, lines.append)
    counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
              for model in (Survey, Question, Response, Answer, Participation, Consultation)}
    return survey.id, existing.id, counts, lines, elapsed


def test_the_demo_survey_is_loaded_once_with_its_responses(app, in_db, client):
    survey_id, consultation_id, counts, lines, elapsed = in_db(_load_twice)
    assert counts["surveys"] == 1 and counts["consultations"] == 1  # the existing consultation is reused
    assert counts["survey_responses"] == demo.RESPONSES and counts["survey_answers"] > 10 * demo.RESPONSES
    assert 0 < counts["survey_participations"] < demo.RESPONSES  # only web answers are in the ledger
    assert len(lines) == 1 and elapsed < 15

    def facts():
        survey = db.session.get(Survey, survey_id)
        kinds = {q.kind for q in survey.questions}
        role = next(q for q in survey.questions if q.prompt == "Chi sei?")
        per_role = dict(db.session.execute(
            select(Answer.option_id, func.count()).where(Answer.question_id == role.id)
            .group_by(Answer.option_id)).all())
        return survey.consultation_id, kinds, [o.label for o in role.options], per_role, role.options[0].id

    consultation, kinds, roles, per_role, first_role = in_db(facts)
    assert consultation == consultation_id
    assert kinds == set(QuestionKind)
    assert roles == ["Cittadino o cittadina", "Imprenditore o imprenditrice", "Libero professionista",
                     "Lavoratore o lavoratrice con partita IVA", "Associazione di categoria"]
    assert sum(per_role.values()) == demo.RESPONSES and per_role[first_role] > per_role[max(per_role)]

    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    # Open to the verified residents of Novi Ligure (the demo census lists the demo identity provider's).
    assert "Uno spazio di coworking a Novi Ligure: che cosa ne pensi?" in page
    assert "servono SPID o CIE e la residenza: Comune di Novi Ligure" in page
    assert 'id="survey-form"' not in page
