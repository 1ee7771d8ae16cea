"""Surveys in the open-data API: /api/v1/surveys and /api/v1/surveys/<id> (public surveys and their
questionnaire, never an answer), with their part of the OpenAPI document. The aggregated results are served by
the results feature (civic/results/api.py), which sits above this one."""
from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from sqlalchemy.orm import contains_eager, joinedload

from civic.api.openapi import (
    MOMENT,
    PAGING,
    URL,
    get,
    list_of,
    object_schema,
    path_parameter,
    ref,
)
from civic.api.openapi import query_parameter as query
from civic.api.support import api_blueprint, body_id, listing, moment, public_or_404
from civic.consultations.models import Consultation
from civic.core.features import ApiPart
from civic.core.pagecache import public_page
from civic.database import utcnow
from civic.surveys import queries
from civic.surveys.models import Audience, ResultsVisibility, Survey

bp = api_blueprint("surveys_api", __name__)
PHASES = ["upcoming", "open", "closed"]
RESULTS_ENDPOINT = "results_api.survey_results"  # served by the results feature, when it is installed


def _results_url(item: Survey) -> str | None:
    if not item.results_public() or RESULTS_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(RESULTS_ENDPOINT, survey_id=item.id, _external=True)


def document(item: Survey) -> dict:
    """What the API says about a survey: public facts only."""
    return {
        "id": item.id,
        "title": item.title,
        "phase": item.phase(),
        "opens_at": moment(item.opens_at),
        "closes_at": moment(item.closes_at),
        "audience": item.audience.value,
        "anonymous": item.anonymous,
        "invited_only": item.invited_only,
        "results_visibility": item.results_visibility.value,
        "results_public": item.results_public(),
        "consultation": item.consultation.slug,
        "body": item.consultation.body.slug,
        "url": url_for("surveys.show_survey", survey_id=item.id, _external=True),
        "api_url": url_for("surveys_api.survey", survey_id=item.id, _external=True),
        "results_url": _results_url(item),
    }


def detail(item: Survey) -> dict:
    numbers = item.question_numbers()
    return {
        **document(item),
        "introduction": item.introduction,
        "sections": [{
            "title": section.title or None,
            "questions": [{"number": numbers[question.id], "prompt": question.prompt,
                           "kind": question.kind.value, "required": question.required,
                           "options": [option.label for option in question.options],
                           "rows": [row.label for row in question.rows]}
                          for question in sorted(section.questions, key=lambda q: (q.position, q.id))],
        } for section in item.ordered_sections()],
    }


@bp.get("/api/v1/surveys")
@public_page
def surveys():
    phase = request.args.get("phase") or None  # checked against the OpenAPI document already
    args = {key: value for key in ("body", "phase") if (value := request.args.get(key))}
    query = queries.public_surveys().options(contains_eager(Survey.consultation)
                                             .joinedload(Consultation.body))
    if (body := body_id(args.get("body"))) is not None:
        query = query.where(Consultation.body_id == body)
    if phase is not None:
        query = query.where(queries.in_phase(phase, utcnow()))
    return listing(query, document, "surveys_api.surveys", **args)


@bp.get("/api/v1/surveys/<int:survey_id>")
@public_page
def survey(survey_id: int):
    found = public_or_404(queries.survey_with_structure(survey_id).options(
        joinedload(Survey.consultation).joinedload(Consultation.body)))
    return jsonify(detail(found))


SCHEMAS = {
    "Survey": object_schema({
        "id": {"type": "integer"}, "title": {"type": "string"}, "phase": {"enum": PHASES},
        "opens_at": MOMENT, "closes_at": MOMENT, "audience": {"enum": [a.value for a in Audience]},
        "anonymous": {"type": "boolean"}, "invited_only": {"type": "boolean"},
        "results_visibility": {"enum": [v.value for v in ResultsVisibility]},
        "results_public": {"type": "boolean"}, "consultation": {"type": "string"}, "body": {"type": "string"},
        "url": URL, "api_url": URL, "results_url": {"type": ["string", "null"], "format": "uri"},
    }),
    "SurveyQuestion": object_schema({
        "number": {"type": "integer", "minimum": 1}, "prompt": {"type": "string"}, "kind": {"type": "string"},
        "required": {"type": "boolean"}, "options": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "string"}}}),
    "SurveyDetail": {"allOf": [ref("Survey"), object_schema({
        "introduction": {"type": "string"},
        "sections": {"type": "array", "items": object_schema({
            "title": {"type": ["string", "null"]},
            "questions": {"type": "array", "items": ref("SurveyQuestion")}})}})]},
    "SurveyList": list_of("Survey"),
}
PATHS = {
    "/v1/surveys": get("Public surveys: open ones first, then the newest", "SurveyList", [
        *PAGING, query("body", "A body's slug"),
        query("phase", "upcoming, open or closed", {"enum": PHASES})], errors=(400, 404)),
    "/v1/surveys/{id}": get("One survey with its questionnaire (never an answer)", "SurveyDetail",
                            [path_parameter("id", "integer")]),
}
part = ApiPart(bp, PATHS, SCHEMAS)
