"""The read-only open-data API: a valid OpenAPI document, answers that match it, public facts only, bounded
queries, and clear translated messages for bad arguments."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from civic.bodies.models import Body
from civic.consultations.models import Consultation, ConsultationStatus
from civic.database import db
from civic.motions.models import MotionStatus
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.meetings.factories import make_meeting, make_registration
from tests.motions.factories import bulk_motions, make_motion


@pytest.fixture
def city(app):
    """A council with a public and a draft consultation, motions (one draft), a meeting with one person."""
    with app.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        public = make_consultation(body, "Uno spazio di coworking", slug="coworking-novi", topics=["lavoro"],
                                   phases=[("Ascolto", dt.date(2026, 1, 10), dt.date(2026, 2, 10))])
        make_consultation(body, "Bozza riservata", slug="bozza", status=ConsultationStatus.DRAFT)
        make_motion(body, "Coworking diffuso", topics=["coworking"], consultation=public)
        make_motion(body, "Mozione in bozza", status=MotionStatus.DRAFT)
        meeting = make_meeting(public, capacity=30, title="Assemblea pubblica",
                               agenda=[(dt.time(9, 0), "Apertura", "Sindaca", "Comune")])
        make_registration(meeting, make_user("giulia.parodi@example.org", name="Giulia Parodi"))
        return {"body": body.id, "meeting": meeting.id}


def _spec(client) -> dict:
    return client.get("/api/openapi.json").get_json()


def _check(spec: dict, schema: str, payload) -> None:
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{schema}",
                                      "components": spec["components"]})
    errors = sorted(validator.iter_errors(payload), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_the_openapi_document_is_valid_and_lists_every_endpoint(app, client):
    spec = _spec(client)
    validate_spec(spec)
    routes = {re.sub(r"<int:\w+>", "<int:%s>", rule.rule.removeprefix("/api"))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    documented = {path.replace("{slug}", "<slug>").replace("{id}", "<int:%s>") for path in spec["paths"]}
    assert routes == documented


@pytest.mark.parametrize(("path", "schema"), [
    ("/api/v1/bodies", "BodyList"),
    ("/api/v1/consultations", "ConsultationList"),
    ("/api/v1/consultations/coworking-novi", "ConsultationDetail"),
    ("/api/v1/motions", "MotionList"),
    ("/api/v1/meetings", "MeetingList"),
    ("/api/v1/meetings?when=past", "MeetingList"),
])
def test_answers_match_the_document(client, city, path, schema):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    _check(_spec(client), schema, response.get_json())


def test_details_match_the_document_and_show_the_public_facts(client, city):
    spec = _spec(client)
    meeting = client.get(f"/api/v1/meetings/{city['meeting']}").get_json()
    _check(spec, "MeetingDetail", meeting)
    assert meeting["title"] == "Assemblea pubblica" and meeting["seats_left"] == 29
    assert meeting["agenda"] == [{"time": "09:00", "title": "Apertura", "speaker": "Sindaca",
                                  "affiliation": "Comune"}]
    motions = client.get("/api/v1/motions").get_json()["items"]
    assert [m["title"] for m in motions] == ["Coworking diffuso"]
    one = client.get(f"/api/v1/motions/{motions[0]['id']}").get_json()
    _check(spec, "Motion", one)
    assert one["consultation"] == "coworking-novi" and one["topics"] == ["coworking"]
    consultation = client.get("/api/v1/consultations/coworking-novi").get_json()
    assert consultation["phases"][0] == {"name": "Ascolto", "starts_on": "2026-01-10",
                                         "ends_on": "2026-02-10", "description": ""}


def test_drafts_and_people_never_appear(client, city):
    everything = "".join(client.get(path).get_data(as_text=True) for path in (
        "/api/v1/consultations", "/api/v1/motions", "/api/v1/meetings", f"/api/v1/meetings/{city['meeting']}",
        "/api/v1/consultations/coworking-novi"))
    assert "Bozza riservata" not in everything and "Mozione in bozza" not in everything
    assert "giulia" not in everything.lower() and "Parodi" not in everything
    assert client.get("/api/v1/consultations/bozza").status_code == 404
    draft_id = int(client.get("/api/v1/motions").get_json()["items"][0]["id"]) + 1
    missing = client.get(f"/api/v1/motions/{draft_id}")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.get_json() == {"type": "about:blank", "title": "Pagina non trovata", "status": 404,
                                  "detail": "La pagina che cerchi non esiste o è stata spostata.",
                                  "error": "Pagina non trovata"}


def test_pages_link_to_each_other_and_cost_the_same_queries_at_any_size(app, client, count_queries):
    with app.app_context():
        body = make_body()
        body_id = body.id
        bulk_motions(body, 5)
    with count_queries() as small:
        client.get("/api/v1/motions?per_page=2&lang=en")
    with app.app_context():
        bulk_motions(db.session.get(Body, body_id), 20)
    app.config["CIVIC_PAGE_CACHE_SECONDS"] = 0
    with count_queries() as large:
        first = client.get("/api/v1/motions?per_page=10").get_json()
    assert large.count == small.count
    assert (first["total"], first["pages"], len(first["items"]), first["previous"]) == (25, 3, 10, None)
    last = client.get(first["next"].replace("page=2", "page=3")).get_json()
    assert len(last["items"]) == 5 and last["next"] is None and "page=2" in last["previous"]
    assert client.get("/api/v1/motions?per_page=10&page=4").get_json()["items"] == []


@pytest.mark.parametrize(("query", "code", "italian", "english"), [
    ("/api/v1/motions?status=bozza", 400,
     "status deve essere uno di: filed, scheduled, approved, rejected, withdrawn.",
     "status must be one of: filed, scheduled, approved, rejected, withdrawn."),
    ("/api/v1/motions?year=duemila", 400, "year deve essere un numero intero da 1900 a 2200.",
     "year must be a whole number from 1900 to 2200."),
    ("/api/v1/motions?year=1899", 400, "year deve essere un numero intero da 1900 a 2200.",
     "year must be a whole number from 1900 to 2200."),
    ("/api/v1/motions?per_page=500", 400, "per_page deve essere un numero intero da 1 a 100.",
     "per_page must be a whole number from 1 to 100."),
    ("/api/v1/consultations?per_page=tanti", 400, "per_page deve essere un numero intero da 1 a 100.",
     "per_page must be a whole number from 1 to 100."),
    ("/api/v1/consultations?page=null", 400, "page deve essere un numero intero pari almeno a 1.",
     "page must be a whole number of at least 1."),
    ("/api/v1/consultations?page=1&page=2", 400, "page può essere indicato una volta sola.",
     "page may be given only once."),
    ("/api/v1/meetings?when=domani", 400, "when deve essere uno di: upcoming, past.",
     "when must be one of: upcoming, past."),
    ("/api/v1/motions?body=nessuno", 404, "Non esiste l'organo nessuno.", "There is no body nessuno."),
    ("/api/v1/meetings?consultation=bozza", 404, "Non esiste la consultazione bozza.",
     "There is no consultation bozza."),
])
def test_bad_arguments_get_a_translated_problem_document(client, city, query, code, italian, english):
    response = client.get(query)
    assert response.status_code == code and response.mimetype == "application/problem+json"
    assert response.get_json() == {"type": "about:blank", "title": response.get_json()["title"],
                                   "status": code, "detail": italian, "error": italian}
    assert client.get(f"{query}&lang=en").get_json()["detail"] == english


def test_meetings_can_be_filtered_by_consultation_and_the_links_keep_the_filter(app, client, city):
    with app.app_context():
        make_meeting(db.session.get(Consultation, db.session.scalar(
            db.select(Consultation.id).where(Consultation.slug == "coworking-novi"))),
            title="Tavolo di lavoro", starts_in=dt.timedelta(days=20))
        make_meeting(title="Riunione di un'altra consultazione")
    found = client.get("/api/v1/meetings?consultation=coworking-novi&per_page=1").get_json()
    assert [m["title"] for m in found["items"]] == ["Assemblea pubblica"] and found["total"] == 2
    following = client.get(found["next"]).get_json()
    assert [m["title"] for m in following["items"]] == ["Tavolo di lavoro"] and following["next"] is None


def test_every_refusal_is_documented_as_a_problem_document(client):
    spec = _spec(client)
    for path, item in spec["paths"].items():
        operation = item["get"]
        answers = operation["responses"]
        if operation["parameters"]:
            assert {"400", "404"} <= set(answers), path
        for code, answer in answers.items():
            if code != "200":
                assert list(answer["content"]) == ["application/problem+json"], (path, code)
                assert answer["content"]["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"}


def test_the_meetings_list_shows_each_meeting_s_quotas_in_one_query_for_the_page(app, client, city,
                                                                                  count_queries):
    from civic.meetings.models import Meeting, Quota

    def more_meetings(count: int) -> None:
        with app.app_context():
            consultation = db.session.get(Meeting, city["meeting"]).consultation
            for n in range(count):
                meeting = make_meeting(consultation, capacity=20, title=f"Laboratorio {n}")
                db.session.add_all([Quota(meeting_id=meeting.id, category="cittadini", seats=10, taken=n),
                                    Quota(meeting_id=meeting.id, category="stampa", seats=2, taken=0)])
            db.session.commit()

    app.config["CIVIC_PAGE_CACHE_SECONDS"] = 0
    more_meetings(1)
    with count_queries() as small:
        listed = client.get("/api/v1/meetings").get_json()
    _check(_spec(client), "MeetingList", listed)
    quotas = {item["title"]: item["quotas"] for item in listed["items"]}
    assert quotas == {"Assemblea pubblica": [], "Laboratorio 0": [
        {"category": "cittadini", "seats": 10, "seats_left": 10},
        {"category": "stampa", "seats": 2, "seats_left": 2}]}
    more_meetings(5)
    with count_queries() as large:
        listed = client.get("/api/v1/meetings").get_json()
    assert len(listed["items"]) == 7
    assert {item["title"]: item["quotas"][0]["seats_left"] for item in listed["items"] if item["quotas"]
            }["Laboratorio 4"] == 6
    quota_reads = [s for s in large.statements if "FROM meeting_quotas" in s]
    assert len(quota_reads) == 1 and large.count == small.count, large.statements
    # The single meeting says the same.
    one = client.get(f"/api/v1/meetings/{listed['items'][-1]['id']}").get_json()
    assert one["quotas"] == listed["items"][-1]["quotas"]
