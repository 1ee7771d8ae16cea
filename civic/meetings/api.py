"""Meetings in the open-data API: /api/v1/meetings and /api/v1/meetings/<id>, with their part of the OpenAPI
document."""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from civic.api.openapi import (
    MOMENT,
    NULLABLE_STRING,
    PAGING,
    URL,
    get,
    list_of,
    object_schema,
    path_parameter,
    ref,
)
from civic.api.openapi import query_parameter as query
from civic.api.support import UnknownArgument, api_blueprint, listing, moment, public_or_404
from civic.consultations import queries as consultation_queries
from civic.consultations.models import Consultation
from civic.core.features import ApiPart
from civic.core.pagecache import public_page
from civic.database import db, utcnow
from civic.meetings import queries
from civic.meetings.models import Meeting, MeetingStatus

bp = api_blueprint("meetings_api", __name__)


def document(item: Meeting) -> dict:
    """What the API says about a meeting: public facts only."""
    return {
        "id": item.id,
        "title": item.title,
        "status": item.status.value,
        "starts_at": moment(item.starts_at),
        "ends_at": moment(item.ends_at),
        "venue": {"name": item.venue_name, "address": item.venue_address,
                  "latitude": item.latitude, "longitude": item.longitude},
        "online_url": item.online_url or None,
        "capacity": item.capacity,
        "seats_left": item.seats_left,
        "quotas": [{"category": quota.category, "seats": quota.seats, "seats_left": quota.seats_left}
                   for quota in item.quotas],
        "consultation": item.consultation.slug,
        "url": url_for("meetings.show_meeting", meeting_id=item.id, _external=True),
        "calendar_url": url_for("meetings.meeting_ics", meeting_id=item.id, _external=True),
        "api_url": url_for("meetings_api.meeting", meeting_id=item.id, _external=True),
    }


def detail(item: Meeting) -> dict:
    return {
        **document(item),
        "requires_approval": item.requires_approval,
        "companions_max": item.companions_max,
        "description": item.description,
        "agenda": [{"time": entry.time.strftime("%H:%M") if entry.time else None, "title": entry.title,
                    "speaker": entry.speaker or None, "affiliation": entry.affiliation or None}
                   for entry in item.agenda_items],
        "minutes": item.minutes or None,
        "attendance": item.attendance_count,
    }


@bp.get("/api/v1/meetings")
@public_page
def meetings():
    when = request.args.get("when", queries.UPCOMING)  # checked against the OpenAPI document already
    args = {"when": when}
    consultation_id = None
    if slug := request.args.get("consultation"):
        consultation_id = db.session.scalar(select(Consultation.id).where(
            Consultation.slug == slug, consultation_queries.PUBLIC))
        if consultation_id is None:
            raise UnknownArgument(_("There is no consultation %(slug)s.", slug=slug))
        args["consultation"] = slug
    query = queries.public_meetings(utcnow(), when=when, consultation_id=consultation_id, with_quotas=True)
    return listing(query, document, "meetings_api.meetings", **args)


@bp.get("/api/v1/meetings/<int:meeting_id>")
@public_page
def meeting(meeting_id: int):
    return jsonify(detail(public_or_404(queries.meeting_page(meeting_id))))


SCHEMAS = {
    "Meeting": object_schema({
        "id": {"type": "integer"}, "title": {"type": "string"},
        "status": {"enum": [s.value for s in MeetingStatus]},
        "starts_at": MOMENT, "ends_at": MOMENT,
        "venue": object_schema({"name": {"type": "string"}, "address": {"type": "string"},
                                "latitude": {"type": ["number", "null"]},
                                "longitude": {"type": ["number", "null"]}}),
        "online_url": NULLABLE_STRING, "capacity": {"type": ["integer", "null"], "minimum": 0},
        "seats_left": {"type": ["integer", "null"], "minimum": 0},
        "quotas": {"type": "array", "items": ref("Quota"),
                   "description": "Seats kept per audience category, with the seats left in each"},
        "consultation": {"type": "string"},
        "url": URL, "calendar_url": URL, "api_url": URL,
    }),
    "AgendaItem": object_schema({"time": NULLABLE_STRING, "title": {"type": "string"},
                                 "speaker": NULLABLE_STRING, "affiliation": NULLABLE_STRING}),
    "Quota": object_schema({"category": {"type": "string"}, "seats": {"type": "integer", "minimum": 1},
                            "seats_left": {"type": "integer", "minimum": 0}}),
    "MeetingDetail": {"allOf": [ref("Meeting"), object_schema({
        "requires_approval": {"type": "boolean"},
        "companions_max": {"type": "integer", "minimum": 0},
        "description": {"type": "string"}, "agenda": {"type": "array", "items": ref("AgendaItem")},
        "minutes": NULLABLE_STRING, "attendance": {"type": ["integer", "null"]}})]},
    "MeetingList": list_of("Meeting"),
}
PATHS = {
    "/v1/meetings": get("Public meetings, with the seats left per audience category: upcoming soonest first, "
                        "or past latest first", "MeetingList", [
        *PAGING, query("when", "upcoming (default) or past", {"enum": ["upcoming", "past"]}),
        query("consultation", "A consultation's slug")], errors=(400, 404)),
    "/v1/meetings/{id}": get("One meeting with its agenda and the seats left per audience category",
                             "MeetingDetail",
                             [path_parameter("id", "integer")]),
}
part = ApiPart(bp, PATHS, SCHEMAS)
