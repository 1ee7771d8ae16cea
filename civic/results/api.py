"""Survey results in the open-data API: /api/v1/surveys/<id>/results, the aggregated figures exactly as the
public results page and its CSV show them (civic.results.exports.result_lines), only once the survey's own
setting makes them public, and never a written answer. Served here rather than beside the surveys' API because
results sit above surveys (tests/core/test_layering.py)."""
from __future__ import annotations

from flask import abort, current_app, jsonify, url_for

from civic.api.openapi import get, object_schema, path_parameter, ref
from civic.api.support import api_blueprint
from civic.core.features import ApiPart
from civic.core.pagecache import public_page
from civic.database import db
from civic.results import report
from civic.surveys.kinds.base import rounded
from civic.surveys.queries import survey_with_structure

bp = api_blueprint("results_api", __name__)
STATISTICS = ["count", "percent", "ci_low", "ci_high", "mean", "median", "stdev", "min", "max", "mean_rank",
              "first_place"]


def _json_number(value):
    return rounded(value) if isinstance(value, float) and not float(value).is_integer() else int(value)


def document(results: report.Report) -> dict:
    survey = results.survey
    questions = []
    for result in results.questions:
        figures = [{"statistic": statistic, "item": item or None, "column": column or None,
                    "value": _json_number(value)}
                   for statistic, item, column, value in result.question.kind.result_lines(result)]
        questions.append({"number": result.number, "prompt": result.question.prompt,
                          "kind": result.question.kind.value, "seen": result.seen,
                          "answered": result.answered, "figures": figures})
    return {
        "survey": survey.id,
        "title": survey.title,
        "body": survey.consultation.body.slug,
        "licence": survey.consultation.body.data_licence,
        "responses": results.responses,
        "verified_responses": _verified(results),
        "questions": questions,
        "url": url_for("results.show_results", survey_id=survey.id, _external=True),
        "csv_url": url_for("results.public_results_csv", survey_id=survey.id, _external=True),
        "datapackage_url": url_for("results.public_datapackage", survey_id=survey.id, _external=True),
    }


def _verified(results: report.Report) -> dict | None:
    """How many responses came from verified residents, as the public page shows it; None when the survey took
    verified residents only."""
    if not results.mixes_verified:
        return None
    shown = results.verified_shown(public=True)
    return {"value": shown.value, "state": shown.state,
            "threshold": current_app.config["CIVIC_SMALL_CELL"]}


def public_results_or_404(survey_id: int):
    """The survey for its public results: 404 for a draft, for a survey of a draft consultation, and while
    the results are not public (yet)."""
    survey = db.session.scalar(survey_with_structure(survey_id))
    if survey is None or not survey.is_public:
        abort(404)
    if not survey.results_public():
        abort(404)
    return survey


@bp.get("/api/v1/surveys/<int:survey_id>/results")
@public_page(keys=lambda survey_id: (f"survey:{survey_id}",))
def survey_results(survey_id: int):
    return jsonify(document(report.build(public_results_or_404(survey_id))))


URI = {"type": "string", "format": "uri"}
SCHEMAS = {
    "Figure": object_schema({
        "statistic": {"enum": STATISTICS}, "item": {"type": ["string", "null"]},
        "column": {"type": ["string", "null"]}, "value": {"type": "number"}}),
    "QuestionResults": object_schema({
        "number": {"type": "integer", "minimum": 1}, "prompt": {"type": "string"}, "kind": {"type": "string"},
        "seen": {"type": "integer", "minimum": 0}, "answered": {"type": "integer", "minimum": 0},
        "figures": {"type": "array", "items": ref("Figure")}}),
    "VerifiedResponses": {
        "description": "Responses from verified residents of the body (civic census), when the survey took "
                       "answers from others too. `state` is shown (value exact), small (fewer than "
                       "`threshold`, value null) or hidden (value null: the others were fewer than "
                       "`threshold`).",
        **object_schema({"value": {"type": ["integer", "null"], "minimum": 0},
                         "state": {"enum": ["shown", "small", "hidden"]},
                         "threshold": {"type": "integer", "minimum": 1}}),
    },
    "SurveyResults": {
        "description": "Aggregated results as on the public results page: for each question, who saw it, who "
                       "answered and its figures (counts, percentages of those who answered with their 95% "
                       "Wilson interval, means...). Written answers are never included.",
        **object_schema({
            "survey": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string"},
            "licence": {"type": "string"}, "responses": {"type": "integer", "minimum": 0},
            "verified_responses": {"oneOf": [{"type": "null"}, ref("VerifiedResponses")]},
            "questions": {"type": "array", "items": ref("QuestionResults")},
            "url": URI, "csv_url": URI, "datapackage_url": URI}),
    },
}
PATHS = {
    "/v1/surveys/{id}/results": get("A survey's aggregated results, once public", "SurveyResults",
                                    [path_parameter("id", "integer")]),
}
part = ApiPart(bp, PATHS, SCHEMAS)
