"""What every part of the open-data API shares, whichever feature serves it: one blueprint recipe (open to
every site, translated 400s for bad arguments), one envelope for lists, and how facts are written."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from civic.bodies.models import Body
from civic.core.pagination import paginate
from civic.database import db


class BadArgument(Exception):
    """A query argument the API refuses; the message is translated and sent as a 400."""


def _bad_argument(error: BadArgument):
    return jsonify(error=str(error), status=400), 400


def _open_to_every_site(response):
    """Open data: any web page may read it (there is no cookie-based state behind these GETs)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint for API endpoints: CORS-open answers and BadArgument as a JSON 400."""
    bp = Blueprint(name, import_name)
    bp.register_error_handler(BadArgument, _bad_argument)
    bp.after_request(_open_to_every_site)
    return bp


def per_page() -> int:
    try:
        wanted = int(request.args.get("per_page", 20))
    except ValueError:
        raise BadArgument(_("per_page must be a whole number from 1 to 100.")) from None
    if not 1 <= wanted <= 100:
        raise BadArgument(_("per_page must be a whole number from 1 to 100."))
    return wanted


def listing(query, to_document, endpoint: str, count_query=None, **args):
    """A page of `query` as {items, page, per_page, total, pages, next, previous}."""
    page = paginate(query, per_page=per_page(), count_query=count_query)

    def link(number: int) -> str:
        return url_for(endpoint, **args, page=number, per_page=page.per_page, _external=True)

    return jsonify(
        items=[to_document(item) for item in page.items],
        page=page.page, per_page=page.per_page, total=page.total, pages=page.pages,
        next=link(page.next_num) if page.has_next else None,
        previous=link(page.prev_num) if page.has_prev else None,
    )


def body_id(slug: str | None) -> int | None:
    """The id of the body a ?body= argument names (None when absent); a 400 for an unknown one."""
    if not slug:
        return None
    found = db.session.scalar(select(Body.id).where(Body.slug == slug))
    if found is None:
        raise BadArgument(_("There is no body %(slug)s.", slug=slug))
    return found


def public_or_404(query):
    """The one object the query selects, when it exists and is public (drafts are 404s, as on the pages)."""
    found = db.session.scalar(query)
    if found is None or not found.is_public:
        abort(404)
    return found


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def moment(value: dt.datetime | None) -> str | None:
    """Stored moments are UTC; the API says so explicitly (RFC 3339 with offset)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
