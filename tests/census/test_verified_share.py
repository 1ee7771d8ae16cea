"""Results say how many answers came from verified residents of the survey's body, when the survey took
answers from others too: a yes or no kept on each response at submit (also through an anonymous survey's
shuffled batches), never who; on the results page, in the results API and in the results CSV, with the
small-cell rule in public."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from civic.census.eligibility import Audience
from civic.census.models import Method, Verification
from civic.database import db, utcnow
from civic.results import api, report
from civic.surveys import services
from civic.surveys.models import Channel, QuestionKind, Response, ResultsVisibility
from civic.surveys.queries import survey_with_structure
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.surveys.factories import add_question, make_survey
from tests.surveys.support import release_held


def _survey(in_db, verified: int, others: int, anonymous: bool = True, audience=Audience.CONFIRMED):
    """A survey answered by `verified` verified residents of its body and `others` people who are not (one
    of them verified in another body), and one paper response among the others."""
    def build():
        body, elsewhere = make_body("novi", "Comune di Novi Ligure"), make_body("ovada", "Comune di Ovada")
        survey = make_survey(make_consultation(body, slug="spazi"), audience=audience, anonymous=anonymous,
                             results_visibility=ResultsVisibility.WHILE_OPEN)
        question = add_question(survey, QuestionKind.SHORT_TEXT)
        now = utcnow()
        for n in range(verified + others - 1):
            user = make_user(f"persona{n}@example.org")
            where = body if n < verified else elsewhere if n == verified else None
            if where is not None:
                db.session.add(Verification(user_id=user.id, body_id=where.id, method=Method.IDENTITY,
                                            level=2, verified_at=now, expires_at=now + dt.timedelta(days=30)))
            db.session.commit()
            services.submit_response(survey, [{"question_id": question.id, "text": "Sì"}], Channel.WEB,
                                     user=user)
            db.session.commit()
        services.record_paper_response(make_user(councillor_of=body), survey,
                                       [{"question_id": question.id, "text": "Carta"}], Channel.PAPER)
        db.session.commit()
        return survey.id
    survey_id = in_db(build)
    in_db(release_held, survey_id)
    return survey_id


def _csv(client, survey_id) -> list[dict]:
    return list(csv.DictReader(io.StringIO(client.get(f"/surveys/{survey_id}/results.csv")
                                           .get_data(as_text=True)[1:])))


def _document(app, survey_id):
    with app.test_request_context():
        document = api.document(report.build(db.session.scalar(survey_with_structure(survey_id))))
        db.session.remove()
    return document


@pytest.mark.parametrize("anonymous", [True, False], ids=["anonymous", "named"])
def test_each_response_says_only_whether_a_verified_resident_gave_it(app, in_db, anonymous):
    survey_id = _survey(in_db, verified=6, others=5, anonymous=anonymous)
    flags = in_db(lambda: db.session.scalars(select(Response.verified)).all())
    assert sorted(flags) == [False] * 5 + [True] * 6
    assert _document(app, survey_id)["verified_responses"] == {"value": 6, "state": "shown", "threshold": 5}


def test_the_page_api_and_csv_say_how_many_answers_came_from_verified_residents(app, client, in_db):
    survey_id = _survey(in_db, verified=7, others=6)
    page = client.get(f"/surveys/{survey_id}/results").get_data(as_text=True)
    assert "7 risposte su 13 da residenti verificati di Comune di Novi Ligure" in page
    assert [(line["question"], line["value"]) for line in _csv(client, survey_id)
            if line["statistic"] == "verified_responses"] == [("", "7")]
    english = client.get(f"/surveys/{survey_id}/results?lang=en")
    assert "7 of 13 answers from verified residents of Comune" in english.get_data(as_text=True)


def test_few_verified_residents_or_few_others_are_not_shown_exactly(app, client, in_db):
    few = _survey(in_db, verified=3, others=9)
    assert "Meno di 5 risposte su 12 da residenti verificati" in client.get(
        f"/surveys/{few}/results").get_data(as_text=True)
    assert _document(app, few)["verified_responses"] == {"value": None, "state": "small", "threshold": 5}
    assert [line["value"] for line in _csv(client, few) if line["statistic"] == "verified_responses"] == [""]


def test_nearly_all_verified_hides_the_count(app, client, in_db):
    most = _survey(in_db, verified=10, others=2)
    page = client.get(f"/surveys/{most}/results").get_data(as_text=True)
    assert "Non indicato, perché le poche risposte" in page and "10 risposte su 12" not in page
    assert _document(app, most)["verified_responses"]["state"] == "hidden"


def test_a_survey_for_verified_residents_only_says_nothing_more(app, client, in_db):
    only = _survey(in_db, verified=6, others=1, audience=Audience.RESIDENT)  # the paper response only
    assert 'id="responses-verified"' not in client.get(f"/surveys/{only}/results").get_data(as_text=True)
    assert _document(app, only)["verified_responses"] is None
