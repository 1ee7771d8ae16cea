"""A visitor asking for results that are not public yet gets a page saying when they will be published (or
that only the councillors read them), still with a 403, in Italian and English, never a bare error page."""
from __future__ import annotations

import datetime as dt

from civic.database import db, utcnow
from civic.surveys.models import ResultsVisibility, Survey, SurveyStatus
from tests.factories import make_body
from tests.results import factories as f


def test_results_after_closing_say_when_they_will_be_published(app, client):
    with app.app_context():
        consultation = f.make_consultation(body=make_body())
        later = f.make_structure(consultation, status=SurveyStatus.OPEN, title="Coworking a Novi").survey_id
        survey = db.session.get(Survey, later)
        survey.closes_at = dt.datetime(2030, 3, 29, 16, 0, tzinfo=dt.UTC)
        private = f.make_structure(consultation, visibility=ResultsVisibility.COUNCILLORS).survey_id
        db.session.commit()
    for url in (f"/surveys/{later}/results", f"/surveys/{later}/results.csv"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "saranno pubblicati alla chiusura del questionario, il 29 marzo 2030, 17:00" in page
        assert "Rispondi al questionario" in page and "Errore 403" not in page
    english = client.get(f"/surveys/{later}/results?lang=en").get_data(as_text=True)
    assert "The results will be published when the survey closes, on 29 March 2030, 17:00" in english
    councillors = client.get(f"/surveys/{private}/results?lang=it").get_data(as_text=True)
    assert "sono letti solo dai consiglieri" in councillors


def test_the_page_turns_into_the_results_once_the_survey_closes(app, client):
    with app.app_context():
        g = f.make_structure(f.make_consultation(body=make_body()), status=SurveyStatus.OPEN)
        f.add_responses(g, 6)
        survey = db.session.get(Survey, g.survey_id)
        survey.closes_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    response = client.get(f"/surveys/{g.survey_id}/results")
    assert response.status_code == 200 and 'id="responses-total">6<' in response.get_data(as_text=True)
