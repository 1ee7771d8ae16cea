"""Motions in the open-data API (Popolo): /api/v1/motions and /api/v1/motions/<id>, with their part of the
OpenAPI document."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy.orm import selectinload

from civic.api.openapi import MOMENT, NULLABLE_STRING, PAGING, get, list_of, object_schema, path_parameter
from civic.api.openapi import query_parameter as query
from civic.api.support import api_blueprint, body_id, listing, public_or_404
from civic.core.features import ApiPart
from civic.core.pagecache import public_page
from civic.motions import popolo, queries
from civic.motions.models import PUBLIC_STATUSES, Motion

bp = api_blueprint("motions_api", __name__)
STATUSES = [status.value for status in PUBLIC_STATUSES]


@bp.get("/api/v1/motions")
@public_page
def motions():
    # status and year are checked against the OpenAPI document (civic.api.support) before this runs.
    status = request.args.get("status") or None
    year = request.args.get("year") or None
    args = {key: value for key in ("q", "body", "status", "topic", "year")
            if (value := request.args.get(key))}
    clauses = queries.public_filters(text=args.get("q"), body_id=body_id(args.get("body")), status=status,
                                     topic=args.get("topic"), year=int(year) if year else None)
    query = queries.public_motions(clauses).options(selectinload(Motion.roll_call),
                                                    selectinload(Motion.milestones))
    return listing(query, popolo.motion, "motions_api.motions", queries.count_motions(clauses), **args)


@bp.get("/api/v1/motions/<int:motion_id>")
@public_page
def motion(motion_id: int):
    return jsonify(popolo.motion(public_or_404(queries.motion_by_id(motion_id))))


SCHEMAS = {
    "Motion": {
        "description": "A Popolo Motion (https://www.popoloproject.com/specs/motion.html) with its VoteEvent "
                       "embedded, and Civic's extensions (title, status, topics, proposers, supports, "
                       "milestones).",
        **object_schema({
            "id": {"type": "string"}, "organization_id": {"type": "string"},
            "organization": {"type": "object"}, "text": {"type": "string"}, "identifier": NULLABLE_STRING,
            "classification": {"const": "motion"}, "date": MOMENT,
            "result": {"enum": ["pass", "fail", None]},
            "vote_events": {"type": "array", "items": {"type": "object"}},
            "created_at": {"type": "string"}, "updated_at": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "object"}},
            "title": {"type": "string"}, "status": {"enum": STATUSES},
            "topics": {"type": "array", "items": {"type": "string"}},
            "proposers": {"type": "array", "items": {"type": "object"}},
            "consultation": NULLABLE_STRING, "supports": {"type": "integer", "minimum": 0},
            "milestones": {"type": "array", "items": {"type": "object"}},
        }, required=["id", "organization_id", "text", "classification", "title", "status", "supports"]),
    },
    "MotionList": list_of("Motion"),
}
PATHS = {
    "/v1/motions": get("Public motions (Popolo), newest first", "MotionList", [
        *PAGING, query("q", "Words to search in title and text"), query("body", "A body's slug"),
        query("status", "The motion's status", {"enum": STATUSES}), query("topic", "A topic"),
        query("year", "Filed (or voted) in this year",
              {"type": "integer", "minimum": 1900, "maximum": 2200})], errors=(400, 404)),
    "/v1/motions/{id}": get("One motion (Popolo)", "Motion", [path_parameter("id", "integer")]),
}
part = ApiPart(bp, PATHS, SCHEMAS)
