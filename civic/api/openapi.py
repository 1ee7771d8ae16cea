"""The OpenAPI 3.1 document of /api/v1: the platform's own paths (bodies, consultations) and every feature's
part (civic.core.features.ApiPart), written by hand next to the views they describe. Tests check every
endpoint's answers against it. The helpers here are what the features' parts are written with."""
from __future__ import annotations

import re

from flask import current_app, url_for

from civic.consultations.models import ConsultationStatus
from civic.core import features
from civic.core.errors import PROBLEM_TYPE

NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": ["string", "null"], "format": "date"}
MOMENT = {"type": ["string", "null"], "format": "date-time"}
URL = {"type": "string", "format": "uri"}
PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                                   "default": 20}},
]


def object_schema(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(name: str) -> dict:
    """The envelope of a paginated list of `name` (civic.api.support.listing)."""
    return object_schema({
        "items": {"type": "array", "items": ref(name)},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
        "total": {"type": "integer", "minimum": 0},
        "pages": {"type": "integer", "minimum": 0},
        "next": {"type": ["string", "null"], "format": "uri"},
        "previous": {"type": ["string", "null"], "format": "uri"},
    })


# A text argument: anything but a NUL byte, which no one types and the site refuses everywhere (a 400).
TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}


def query_parameter(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema or TEXT}


def path_parameter(name: str, kind: str) -> dict:
    schema = TEXT if kind == "string" else {"type": kind}
    return {"name": name, "in": "path", "required": True, "schema": schema}


REFUSALS = {
    400: "An argument is not as declared (not a whole number, out of range, not one of the values, "
         "given twice): a problem document whose detail says which and why, in the reader's language",
    404: "Not found, or not public; for a list, a body or consultation it names does not exist, or the page "
         "is past the last one the site serves (CIVIC_MAX_PAGE): a problem document",
}


def refusals(*codes: int) -> dict:
    """The documented refusals (RFC 9457 problem documents) of an operation, by status code."""
    return {str(code): {"description": REFUSALS[code], "content": {PROBLEM_TYPE: {"schema": ref("Error")}}}
            for code in codes}


def _answers(schema: str, description: str, errors: tuple[int, ...]) -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": ref(schema)}}},
            **refusals(*errors)}


def get(summary: str, schema: str, parameters: list | None = None, errors: tuple[int, ...] = (404,)) -> dict:
    """A path item with one GET answering `schema` (and the listed error codes with an Error); an operation
    with parameters can refuse them, so it documents the 400 too."""
    if parameters and 400 not in errors:
        errors = (400, *errors)
    return {"get": {"summary": summary, "parameters": parameters or [],
                    "responses": _answers(schema, summary, errors)}}


SCHEMAS = {
    "Error": {"description": "An RFC 9457 problem document; `error` repeats the message for older clients.",
              **object_schema({"type": {"type": "string"}, "title": {"type": "string"},
                               "status": {"type": "integer", "minimum": 400, "maximum": 599},
                               "detail": {"type": "string"}, "error": {"type": "string"}})},
    "Body": object_schema({"slug": {"type": "string"}, "name": {"type": "string"},
                           "parent": NULLABLE_STRING}),
    "BodyList": object_schema({"items": {"type": "array", "items": ref("Body")}}),
    "Consultation": object_schema({
        "slug": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
        "status": {"enum": [s.value for s in ConsultationStatus if s != ConsultationStatus.DRAFT]},
        "body": ref("Body"), "topics": {"type": "array", "items": {"type": "string"}}, "opens_on": DATE,
        "closes_on": DATE, "published_at": MOMENT, "url": URL, "api_url": URL,
    }),
    "Phase": object_schema({"name": {"type": "string"}, "starts_on": DATE, "ends_on": DATE,
                            "description": {"type": "string"}}),
    "ConsultationDetail": {"allOf": [ref("Consultation"), object_schema({
        "description": {"type": "string"}, "phases": {"type": "array", "items": ref("Phase")}})]},
    "ConsultationList": list_of("Consultation"),
}

PATHS = {
    "/v1/bodies": get("Councils and district councils", "BodyList", errors=()),
    "/v1/consultations": get("Public consultations, newest first", "ConsultationList",
                             [*PAGING, query_parameter("body", "A body's slug")], errors=(400, 404)),
    "/v1/consultations/{slug}": get("One consultation", "ConsultationDetail",
                                    [path_parameter("slug", "string")]),
}


def parameters_by_rule() -> dict[str, list[dict]]:
    """The query parameters every API path declares, keyed by the path with its path parameters as {}
    ("/v1/motions/{}"), which is how a Flask rule under /api reads once its <...> are replaced the same way:
    what civic.api.support validates every request against. Made once per application."""
    made = current_app.extensions.get("civic.api.parameters")
    if made is None:
        made = {re.sub(r"\{[^}]*\}", "{}", path): [p for p in item["get"].get("parameters", [])
                                                 if p["in"] == "query"]
                for path, item in document()["paths"].items()}
        current_app.extensions["civic.api.parameters"] = made
    return made


def document() -> dict:
    paths, schemas = dict(PATHS), dict(SCHEMAS)
    for part in features.each("api"):
        paths.update(part.paths)
        schemas.update(part.schemas)
    licence = current_app.config["CIVIC_LICENCE"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{current_app.config['CIVIC_SITE_NAME']} open data",
            "version": "1.0.0",
            "description": "Read-only public data of the municipality's consultations, motions and meetings. "
                           "Lists are paginated; moments are UTC (RFC 3339); drafts and personal data are "
                           "never included.",
            "license": {"name": licence, "identifier": licence},
        },
        "servers": [{"url": url_for("api.openapi", _external=True).rsplit("/openapi.json", 1)[0]}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
