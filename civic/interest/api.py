"""Calls for interest in the open-data API: /api/v1/interest-calls and /api/v1/interest-calls/<id>, the
public summary of each call exactly as its summary page shows it (civic.interest.results.public_summary:
small groups shown as "fewer than N", complements hidden so they cannot be worked out, nothing at all below
N declarations) and never a declaration or a person. With their part of the OpenAPI document."""
from __future__ import annotations

from flask import jsonify, request, url_for

from civic.api.openapi import MOMENT, PAGING, URL, get, list_of, object_schema, path_parameter, ref
from civic.api.openapi import query_parameter as query
from civic.api.support import api_blueprint, body_id, listing, moment, public_or_404
from civic.consultations.models import Consultation
from civic.core.disclosure import HIDDEN, SHOWN, SMALL, Shown
from civic.core.features import ApiPart
from civic.core.pagecache import public_page
from civic.database import utcnow
from civic.interest import queries, results
from civic.interest.models import InterestCall, Profile, Role

bp = api_blueprint("interest_api", __name__)
PHASES = ["upcoming", "open", "closed"]


def _phase(call: InterestCall) -> str:
    now = utcnow()
    if now < call.opens_at:
        return "upcoming"
    return "open" if call.is_open(now) else "closed"


def document(call: InterestCall) -> dict:
    """What the API says about a call: public facts only."""
    return {
        "id": call.id,
        "title": call.title,
        "asks_for": call.asks_for.value,
        "phase": _phase(call),
        "opens_at": moment(call.opens_at),
        "closes_at": moment(call.closes_at),
        "areas": [area.name for area in call.areas],
        "consultation": call.consultation.slug,
        "body": call.consultation.body.slug,
        "url": url_for("interest.show_call", call_id=call.id, _external=True),
        "summary_url": url_for("interest.summary", call_id=call.id, _external=True),
        "api_url": url_for("interest_api.call", call_id=call.id, _external=True),
    }


def cell(shown: Shown) -> dict:
    """A count as the public may read it: the number when shown, else null and why."""
    return {"count": shown.value, "state": shown.state}


def _rows(rows: list[results.ShownRow]) -> list[dict]:
    return [{"key": row.key, "label": row.label, **cell(row.cell)} for row in rows]


def summary(call: InterestCall) -> dict:
    figures = results.public_summary(call)
    if not figures.enough:
        return {"threshold": figures.threshold, "declarations": cell(Shown(None, SMALL)),
                "profile_by_role": None, "breakdowns": [], "needs": []}
    table = figures.profile_role
    return {
        "threshold": figures.threshold,
        "declarations": cell(Shown(figures.total, SHOWN)),
        "profile_by_role": {
            "roles": [role.value for role in Role],
            "rows": [{"profile": profile.value, "cells": [cell(c) for c in row], "total": cell(total)}
                     for profile, row, total in zip(Profile, table.rows, table.row_totals, strict=True)],
            "totals": [cell(c) for c in table.column_totals],
        },
        "breakdowns": [{"key": breakdown.key, "title": breakdown.title, "rows": _rows(breakdown.rows)}
                       for breakdown in figures.breakdowns],
        "needs": _rows(figures.needs),
    }


@bp.get("/api/v1/interest-calls")
@public_page
def calls():
    args = {key: value for key in ("body",) if (value := request.args.get(key))}
    query = queries.public_calls()
    if (body := body_id(args.get("body"))) is not None:
        query = query.where(Consultation.body_id == body)
    return listing(query, document, "interest_api.calls", **args)


@bp.get("/api/v1/interest-calls/<int:call_id>")
@public_page
def call(call_id: int):
    found = public_or_404(queries.call_by_id(call_id))
    return jsonify({**document(found), "summary": summary(found)})


CELL = object_schema({"count": {"type": ["integer", "null"], "minimum": 0},
                      "state": {"enum": [SHOWN, SMALL, HIDDEN]}})
ROW = {"allOf": [ref("Count"), object_schema({"key": {"type": ["string", "null"]},
                                              "label": {"type": "string"}})]}
SCHEMAS = {
    "InterestCall": object_schema({
        "id": {"type": "integer"}, "title": {"type": "string"}, "asks_for": {"enum": [r.value for r in Role]},
        "phase": {"enum": PHASES}, "opens_at": MOMENT, "closes_at": MOMENT,
        "areas": {"type": "array", "items": {"type": "string"}}, "consultation": {"type": "string"},
        "body": {"type": "string"}, "url": URL, "summary_url": URL, "api_url": URL,
    }),
    "Count": {
        "description": "A count of declarations as the public may read it: `count` is null when the group is "
                       "smaller than the threshold (`state` small) or hidden so that a small group cannot be "
                       "worked out from the totals (`state` hidden).",
        **CELL,
    },
    "CountRow": ROW,
    "InterestSummary": object_schema({
        "threshold": {"type": "integer", "minimum": 1},
        "declarations": ref("Count"),
        "profile_by_role": {"type": ["object", "null"], "properties": {
            "roles": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": object_schema({
                "profile": {"enum": [p.value for p in Profile]},
                "cells": {"type": "array", "items": ref("Count")}, "total": ref("Count")})},
            "totals": {"type": "array", "items": ref("Count")}}},
        "breakdowns": {"type": "array", "items": object_schema({
            "key": {"type": "string"}, "title": {"type": "string"},
            "rows": {"type": "array", "items": ref("CountRow")}})},
        "needs": {"type": "array", "items": ref("CountRow")},
    }),
    "InterestCallDetail": {"allOf": [ref("InterestCall"), object_schema({
        "summary": ref("InterestSummary")})]},
    "InterestCallList": list_of("InterestCall"),
}
PATHS = {
    "/v1/interest-calls": get("Public calls for interest, the latest to close first", "InterestCallList",
                              [*PAGING, query("body", "A body's slug")], errors=(400, 404)),
    "/v1/interest-calls/{id}": get("One call with its public summary (small groups suppressed)",
                                   "InterestCallDetail", [path_parameter("id", "integer")]),
}
part = ApiPart(bp, PATHS, SCHEMAS)
