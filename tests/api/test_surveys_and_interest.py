"""Open data of surveys, their results and calls for interest: answers that match the OpenAPI document,
results only once the survey makes them public and never a written answer, interest summaries with small
groups hidden as on the summary page, no person anywhere, bounded queries, translated messages."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from frictionless import validate

from civic.consultations.models import ConsultationStatus
from civic.database import db, utcnow
from civic.interest.models import Profile, Role
from civic.surveys.models import QuestionKind, ResultsVisibility, SurveyStatus
from tests.api.test_api import _check, _spec
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.interest.factories import make_call, make_declaration
from tests.results import expected
from tests.results.factories import WHO, add_responses, make_structure
from tests.surveys.factories import add_question, make_survey


@pytest.fixture
def surveys(app):
    """A council with an open survey (results after closing), a closed survey with 40 generated responses and
    public results, a closed survey whose results only councillors read, and a draft."""
    with app.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, "Uno spazio di coworking", slug="coworking-novi")
        open_survey = make_survey(consultation, "Questionario aperto")
        add_question(open_survey, QuestionKind.SINGLE_CHOICE, "Lo useresti?", options=["Sì", "No"])
        closed = add_responses(make_structure(consultation, title="Questionario chiuso"), 40)
        private = make_structure(consultation, title="Solo per i consiglieri",
                                 visibility=ResultsVisibility.COUNCILLORS)
        make_survey(consultation, "Bozza di questionario", status=SurveyStatus.DRAFT)
        db.session.commit()
        return {"open": open_survey.id, "closed": closed.survey_id, "private": private.survey_id,
                "answers": closed.answers}


def test_survey_lists_and_details_match_the_document_and_hide_drafts(client, surveys):
    spec = _spec(client)
    listed = client.get("/api/v1/surveys").get_json()
    _check(spec, "SurveyList", listed)
    titles = [item["title"] for item in listed["items"]]
    assert titles[0] == "Questionario aperto" and "Bozza di questionario" not in titles
    assert sorted(titles) == ["Questionario aperto", "Questionario chiuso", "Solo per i consiglieri"]
    by_title = {item["title"]: item for item in listed["items"]}
    assert by_title["Questionario aperto"]["phase"] == "open"
    assert by_title["Questionario aperto"]["results_url"] is None
    assert by_title["Solo per i consiglieri"]["results_url"] is None
    results_url = by_title["Questionario chiuso"]["results_url"]
    assert results_url.endswith(f"/api/v1/surveys/{surveys['closed']}/results")
    detail = client.get(f"/api/v1/surveys/{surveys['open']}").get_json()
    _check(spec, "SurveyDetail", detail)
    assert detail["sections"][0]["questions"][0]["options"] == ["Sì", "No"]
    closed_only = client.get("/api/v1/surveys?phase=closed&body=comune-di-novi-ligure").get_json()
    assert {item["title"] for item in closed_only["items"]} == {"Questionario chiuso",
                                                                "Solo per i consiglieri"}


def test_results_match_the_answers_and_leave_written_answers_out(client, surveys):
    response = client.get(f"/api/v1/surveys/{surveys['closed']}/results")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    results = response.get_json()
    _check(_spec(client), "SurveyResults", results)
    assert results["responses"] == 40 and results["licence"] == "CC-BY-4.0"
    who = next(q for q in results["questions"] if q["prompt"] == "Chi sei?")
    counts = {f["item"]: f["value"] for f in who["figures"] if f["statistic"] == "count"}
    wanted = expected.choice(surveys["answers"], "who", WHO)
    assert {label: counts[label] for label in WHO} == {label: wanted["counts"][label] for label in WHO}
    written = {answer["comment"] for answer in surveys["answers"] if "comment" in answer}
    assert written and not any(text in response.get_data(as_text=True) for text in written)


def test_results_that_are_not_public_are_not_found(client, surveys):
    for survey in ("open", "private"):
        response = client.get(f"/api/v1/surveys/{surveys[survey]}/results")
        assert response.status_code == 404 and response.get_json()["status"] == 404
    assert client.get(f"/api/v1/surveys/{surveys['closed'] + 100}/results").status_code == 404


def test_the_public_data_package_validates_and_holds_no_response(client, surveys, tmp_path):
    response = client.get(f"/surveys/{surveys['closed']}/results-datapackage.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["datapackage.json", "results.csv"]
    archive.extractall(tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert [resource["name"] for resource in descriptor["resources"]] == ["results"]
    result = validate(str(tmp_path / "datapackage.json"))
    assert result.valid, result.flatten(["type", "message"])[:5]
    assert client.get(f"/surveys/{surveys['private']}/results-datapackage.zip").status_code == 403


@pytest.fixture
def calls(app):
    """A call with three declarations (fewer than the threshold of 5) and one with twelve, one of them the
    only association."""
    with app.app_context():
        body = make_body("comune-di-genova", "Comune di Genova")
        few = make_call(body=body, title="Pochi interessati")
        for n in range(3):
            make_declaration(few, make_user(f"poco{n}@example.org", name=f"Paola Rossi {n}"))
        many = make_call(body=body, title="Coworking Levante")
        for n in range(11):
            make_declaration(many, make_user(f"molti{n}@example.org", name=f"Marco Bianchi {n}"),
                             role=Role.USER if n % 2 else Role.MANAGER)
        make_declaration(many, make_user("associazione@example.org", name="Anna Verdi"),
                         profile=Profile.ASSOCIATION)
        return {"few": few.id, "many": many.id}


def test_interest_summaries_hide_small_groups_as_the_summary_page_does(client, calls):
    spec = _spec(client)
    listed = client.get("/api/v1/interest-calls?body=comune-di-genova").get_json()
    _check(spec, "InterestCallList", listed)
    assert {item["title"] for item in listed["items"]} == {"Pochi interessati", "Coworking Levante"}
    few = client.get(f"/api/v1/interest-calls/{calls['few']}").get_json()
    _check(spec, "InterestCallDetail", few)
    assert few["summary"]["declarations"] == {"count": None, "state": "small"}
    assert few["summary"]["profile_by_role"] is None and few["summary"]["breakdowns"] == []
    many = client.get(f"/api/v1/interest-calls/{calls['many']}").get_json()
    _check(spec, "InterestCallDetail", many)
    assert many["summary"]["declarations"] == {"count": 12, "state": "shown"}
    rows = {row["profile"]: row for row in many["summary"]["profile_by_role"]["rows"]}
    association = rows["association"]["total"]
    assert association == {"count": None, "state": "small"}
    freelance = rows["freelance"]["total"]
    assert freelance["state"] != "shown" or freelance["count"] == 11
    # The association's single declaration cannot be worked out: its row's other cells hide with it.
    assert all(c["count"] in (0, None) for c in rows["association"]["cells"])
    everything = json.dumps([few, many, listed])
    assert "example.org" not in everything and "Anna" not in everything and "Bianchi" not in everything


def test_things_of_draft_consultations_are_not_found(app, client):
    with app.app_context():
        draft = make_consultation(make_body(), status=ConsultationStatus.DRAFT)
        survey = make_survey(draft, "Questionario riservato")
        call = make_call(consultation=draft, title="Invito riservato")
        ids = (survey.id, call.id)
    assert client.get(f"/api/v1/surveys/{ids[0]}").status_code == 404
    assert client.get(f"/api/v1/interest-calls/{ids[1]}").status_code == 404
    listed = client.get("/api/v1/surveys").get_data(as_text=True) + client.get(
        "/api/v1/interest-calls").get_data(as_text=True)
    assert "riservat" not in listed


@pytest.mark.parametrize(("query", "code", "italian", "english"), [
    ("/api/v1/surveys?phase=domani", 400, "phase deve essere uno di: upcoming, open, closed.",
     "phase must be one of: upcoming, open, closed."),
    ("/api/v1/surveys?body=nessuno", 404, "Non esiste l'organo nessuno.", "There is no body nessuno."),
    ("/api/v1/interest-calls?per_page=0", 400, "per_page deve essere un numero intero da 1 a 100.",
     "per_page must be a whole number from 1 to 100."),
])
def test_bad_arguments_get_a_translated_message(client, query, code, italian, english):
    response = client.get(query)
    assert response.status_code == code and response.mimetype == "application/problem+json"
    assert response.get_json()["error"] == response.get_json()["detail"] == italian
    assert client.get(f"{query}&lang=en").get_json()["error"] == english


def test_survey_and_call_lists_cost_the_same_queries_at_any_size(app, client, count_queries):
    app.config["CIVIC_PAGE_CACHE_SECONDS"] = 0

    def add(n: int) -> None:
        with app.app_context():
            body = make_body()
            consultation = make_consultation(body)
            for _ in range(n):
                make_survey(consultation, closes_at=utcnow() + dt.timedelta(days=3))
                make_call(consultation=consultation)

    add(2)
    with count_queries() as small:
        client.get("/api/v1/surveys")
        client.get("/api/v1/interest-calls")
    add(15)
    with count_queries() as large:
        surveys = client.get("/api/v1/surveys").get_json()
        calls = client.get("/api/v1/interest-calls").get_json()
    assert large.count == small.count
    assert (surveys["total"], calls["total"]) == (17, 17)
