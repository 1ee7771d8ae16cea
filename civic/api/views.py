"""The /api/v1 endpoints: thin views over the features' public queries, one envelope for every list."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from civic.api import documents
from civic.api.openapi import document
from civic.bodies import queries as body_queries
from civic.bodies.models import Body
from civic.consultations import queries as consultation_queries
from civic.consultations.models import Consultation
from civic.core.pagecache import public_page
from civic.core.pagination import paginate
from civic.database import db, utcnow
from civic.meetings import queries as meeting_queries
from civic.motions import popolo
from civic.motions import queries as motion_queries
from civic.motions.models import PUBLIC_STATUSES, Motion

bp = Blueprint("api", __name__, url_prefix="/api")


class BadArgument(Exception):
    pass


@bp.errorhandler(BadArgument)
def bad_argument(error: BadArgument):
    return jsonify(error=str(error), status=400), 400


@bp.after_request
def open_to_every_site(response):
    """Open data: any web page may read it (there is no cookie-based state behind these GETs)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _per_page() -> int:
    try:
        wanted = int(request.args.get("per_page", 20))
    except ValueError:
        raise BadArgument(_("per_page must be a whole number from 1 to 100.")) from None
    if not 1 <= wanted <= 100:
        raise BadArgument(_("per_page must be a whole number from 1 to 100."))
    return wanted


def _listing(query, to_document, endpoint: str, count_query=None, **args):
    page = paginate(query, per_page=_per_page(), count_query=count_query)

    def link(number: int) -> str:
        return url_for(endpoint, **args, page=number, per_page=page.per_page, _external=True)

    return jsonify(
        items=[to_document(item) for item in page.items],
        page=page.page, per_page=page.per_page, total=page.total, pages=page.pages,
        next=link(page.next_num) if page.has_next else None,
        previous=link(page.prev_num) if page.has_prev else None,
    )


def _body_id(slug: str | None) -> int | None:
    if not slug:
        return None
    found = db.session.scalar(select(Body.id).where(Body.slug == slug))
    if found is None:
        raise BadArgument(_("There is no body %(slug)s.", slug=slug))
    return found


def _public_or_404(query):
    """The one object the query selects, when it exists and is public (drafts are 404s, as on the pages)."""
    found = db.session.scalar(query)
    if found is None or not found.is_public:
        abort(404)
    return found


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/v1/bodies")
@public_page
def bodies():
    return jsonify(items=[documents.body(item) for item in db.session.scalars(body_queries.all_bodies())])


@bp.get("/v1/consultations")
@public_page
def consultations():
    body = request.args.get("body") or None
    return _listing(consultation_queries.public_consultations(body_id=_body_id(body)),
                    documents.consultation, "api.consultations", **({"body": body} if body else {}))


@bp.get("/v1/consultations/<slug>")
@public_page
def consultation(slug: str):
    return jsonify(documents.consultation_detail(_public_or_404(consultation_queries.consultation_by_slug(slug))))


@bp.get("/v1/motions")
@public_page
def motions():
    status = request.args.get("status") or None
    if status is not None and status not in {item.value for item in PUBLIC_STATUSES}:
        raise BadArgument(_("status must be one of: %(values)s.",
                            values=", ".join(item.value for item in PUBLIC_STATUSES)))
    year = request.args.get("year") or None
    if year is not None and not (year.isdigit() and 1900 <= int(year) <= 2200):
        raise BadArgument(_("year must be a year such as 2013."))
    args = {key: value for key in ("q", "body", "status", "topic", "year") if (value := request.args.get(key))}
    clauses = motion_queries.public_filters(text=args.get("q"), body_id=_body_id(args.get("body")),
                                            status=status, topic=args.get("topic"),
                                            year=int(year) if year else None)
    query = motion_queries.public_motions(clauses).options(selectinload(Motion.roll_call),
                                                           selectinload(Motion.milestones))
    return _listing(query, popolo.motion, "api.motions", motion_queries.count_motions(clauses), **args)


@bp.get("/v1/motions/<int:motion_id>")
@public_page
def motion(motion_id: int):
    return jsonify(popolo.motion(_public_or_404(motion_queries.motion_by_id(motion_id))))


@bp.get("/v1/meetings")
@public_page
def meetings():
    when = request.args.get("when", meeting_queries.UPCOMING)
    if when not in (meeting_queries.UPCOMING, meeting_queries.PAST):
        raise BadArgument(_("when must be upcoming or past."))
    args = {"when": when}
    consultation_id = None
    if slug := request.args.get("consultation"):
        consultation_id = db.session.scalar(select(Consultation.id).where(
            Consultation.slug == slug, consultation_queries.PUBLIC))
        if consultation_id is None:
            raise BadArgument(_("There is no consultation %(slug)s.", slug=slug))
        args["consultation"] = slug
    query = meeting_queries.public_meetings(utcnow(), when=when, consultation_id=consultation_id)
    return _listing(query, documents.meeting, "api.meetings", **args)


@bp.get("/v1/meetings/<int:meeting_id>")
@public_page
def meeting(meeting_id: int):
    return jsonify(documents.meeting_detail(_public_or_404(meeting_queries.meeting_page(meeting_id))))

