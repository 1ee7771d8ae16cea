"""The OpenAPI 3.1 document of /api/v1, written by hand next to the views it describes (tests check every
endpoint's answers against it)."""
from __future__ import annotations

from flask import current_app, url_for

from civic.consultations.models import ConsultationStatus
from civic.meetings.models import MeetingStatus
from civic.motions.models import PUBLIC_STATUSES

NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": ["string", "null"], "format": "date"}
MOMENT = {"type": ["string", "null"], "format": "date-time"}
URL = {"type": "string", "format": "uri"}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict:
    return _object({
        "items": {"type": "array", "items": _ref(name)},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
        "total": {"type": "integer", "minimum": 0},
        "pages": {"type": "integer", "minimum": 0},
        "next": {"type": ["string", "null"], "format": "uri"},
        "previous": {"type": ["string", "null"], "format": "uri"},
    })


SCHEMAS = {
    "Error": _object({"error": {"type": "string"}, "status": {"type": "integer"}}),
    "Body": _object({"slug": {"type": "string"}, "name": {"type": "string"}, "parent": NULLABLE_STRING}),
    "Consultation": _object({
        "slug": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
        "status": {"enum": [s.value for s in ConsultationStatus if s != ConsultationStatus.DRAFT]}, "body": _ref("Body"),
        "topics": {"type": "array", "items": {"type": "string"}}, "opens_on": DATE, "closes_on": DATE,
        "published_at": MOMENT, "url": URL, "api_url": URL,
    }),
    "Phase": _object({"name": {"type": "string"}, "starts_on": DATE, "ends_on": DATE,
                      "description": {"type": "string"}}),
    "Meeting": _object({
        "id": {"type": "integer"}, "title": {"type": "string"},
        "status": {"enum": [s.value for s in MeetingStatus]},
        "starts_at": MOMENT, "ends_at": MOMENT,
        "venue": _object({"name": {"type": "string"}, "address": {"type": "string"},
                          "latitude": {"type": ["number", "null"]}, "longitude": {"type": ["number", "null"]}}),
        "online_url": NULLABLE_STRING, "capacity": {"type": ["integer", "null"], "minimum": 0},
        "seats_left": {"type": ["integer", "null"], "minimum": 0}, "consultation": {"type": "string"},
        "url": URL, "calendar_url": URL, "api_url": URL,
    }),
    "AgendaItem": _object({"time": NULLABLE_STRING, "title": {"type": "string"}, "speaker": NULLABLE_STRING,
                           "affiliation": NULLABLE_STRING}),
    "Motion": {
        "description": "A Popolo Motion (https://www.popoloproject.com/specs/motion.html) with its VoteEvent "
                       "embedded, and Civic's extensions (title, status, topics, proposers, supports, "
                       "milestones).",
        **_object({
            "id": {"type": "string"}, "organization_id": {"type": "string"},
            "organization": {"type": "object"}, "text": {"type": "string"}, "identifier": NULLABLE_STRING,
            "classification": {"const": "motion"}, "date": MOMENT,
            "result": {"enum": ["pass", "fail", None]},
            "vote_events": {"type": "array", "items": {"type": "object"}},
            "created_at": {"type": "string"}, "updated_at": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "object"}},
            "title": {"type": "string"}, "status": {"enum": [s.value for s in PUBLIC_STATUSES]},
            "topics": {"type": "array", "items": {"type": "string"}},
            "proposers": {"type": "array", "items": {"type": "object"}},
            "consultation": NULLABLE_STRING, "supports": {"type": "integer", "minimum": 0},
            "milestones": {"type": "array", "items": {"type": "object"}},
        }, required=["id", "organization_id", "text", "classification", "title", "status", "supports"]),
    },
}
SCHEMAS["ConsultationDetail"] = {"allOf": [_ref("Consultation"), _object({
    "description": {"type": "string"}, "phases": {"type": "array", "items": _ref("Phase")}})]}
SCHEMAS["MeetingDetail"] = {"allOf": [_ref("Meeting"), _object({
    "description": {"type": "string"}, "agenda": {"type": "array", "items": _ref("AgendaItem")},
    "minutes": NULLABLE_STRING, "attendance": {"type": ["integer", "null"]}})]}
for name in ("Consultation", "Meeting", "Motion"):
    SCHEMAS[f"{name}List"] = _list_of(name)

PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                                   "default": 20}},
]


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema or {"type": "string"}}


def _answer(schema: str, description: str, errors: tuple[int, ...] = (404,)) -> dict:
    answers = {"200": {"description": description,
                       "content": {"application/json": {"schema": _ref(schema)}}}}
    for code in errors:
        answers[str(code)] = {"description": {400: "A query argument is not valid",
                                              404: "Not found (or not public)"}[code],
                              "content": {"application/json": {"schema": _ref("Error")}}}
    return answers


def _get(summary: str, schema: str, parameters: list | None = None, errors: tuple[int, ...] = (404,)) -> dict:
    return {"get": {"summary": summary, "parameters": parameters or [],
                    "responses": _answer(schema, summary, errors)}}


def _path_parameter(name: str, kind: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{current_app.config['CIVIC_SITE_NAME']} open data",
            "version": "1.0.0",
            "description": "Read-only public data of the municipality's consultations, motions and meetings. "
                           "Lists are paginated; moments are UTC (RFC 3339); drafts and personal data are "
                           "never included.",
            "license": {"name": current_app.config["CIVIC_LICENCE"],
                        "identifier": current_app.config["CIVIC_LICENCE"]},
        },
        "servers": [{"url": url_for("api.openapi", _external=True).rsplit("/openapi.json", 1)[0]}],
        "paths": {
            "/v1/bodies": _get("Councils and district councils", "BodyList", errors=()),
            "/v1/consultations": _get("Public consultations, newest first", "ConsultationList",
                                      [*PAGING, _query("body", "A body's slug")], errors=(400, 404)),
            "/v1/consultations/{slug}": _get("One consultation", "ConsultationDetail",
                                             [_path_parameter("slug", "string")]),
            "/v1/motions": _get("Public motions (Popolo), newest first", "MotionList", [
                *PAGING, _query("q", "Words to search in title and text"), _query("body", "A body's slug"),
                _query("status", "The motion's status", {"enum": [s.value for s in PUBLIC_STATUSES]}), _query("topic", "A topic"),
                _query("year", "Filed (or voted) in this year", {"type": "integer"})], errors=(400, 404)),
            "/v1/motions/{id}": _get("One motion (Popolo)", "Motion", [_path_parameter("id", "integer")]),
            "/v1/meetings": _get("Public meetings: upcoming soonest first, or past latest first", "MeetingList", [
                *PAGING, _query("when", "upcoming (default) or past", {"enum": ["upcoming", "past"]}),
                _query("consultation", "A consultation's slug")], errors=(400, 404)),
            "/v1/meetings/{id}": _get("One meeting with its agenda", "MeetingDetail",
                                      [_path_parameter("id", "integer")]),
        },
        "components": {"schemas": {**SCHEMAS, "BodyList": _object({
            "items": {"type": "array", "items": _ref("Body")}})}},
    }
