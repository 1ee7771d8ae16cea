"""What every part of the open-data API shares, whichever feature serves it: one blueprint recipe (open to
every site, every query argument checked against what the OpenAPI document declares, refusals as translated
RFC 9457 problem documents), one envelope for lists, and how facts are written."""
from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from civic.api.openapi import parameters_by_rule
from civic.bodies.models import Body
from civic.core.errors import problem
from civic.core.pagination import paginate
from civic.database import db

WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,1000}")  # longer is no number anyone means


class BadArgument(Exception):
    """A query argument the API refuses; the message is translated and sent as a 400 problem document."""

    status = 400


class UnknownArgument(BadArgument):
    """A query argument naming something that does not exist (a body, a consultation): a 404."""

    status = 404


def _bad_argument(error: BadArgument):
    return problem(error.status, str(error))


def _open_to_every_site(response):
    """Open data: any web page may read it (there is no cookie-based state behind these GETs)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def refusal(parameter: dict, values: list[str]) -> str | None:
    """Why the values given for a declared query parameter are not as its schema says, or None when they
    are (or when it is not given)."""
    name, schema = parameter["name"], parameter.get("schema", {})
    if not values:
        return None
    if len(values) > 1:
        return _("%(name)s may be given only once.", name=name)
    value = values[0]
    if "enum" in schema:
        if value not in schema["enum"]:
            return _("%(name)s must be one of: %(values)s.", name=name, values=", ".join(schema["enum"]))
    elif schema.get("type") == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if not WHOLE_NUMBER.fullmatch(value) or (low is not None and int(value) < low) or (
                high is not None and int(value) > high):
            if low is not None and high is not None:
                return _("%(name)s must be a whole number from %(minimum)s to %(maximum)s.", name=name,
                         minimum=low, maximum=high)
            if low is not None:
                return _("%(name)s must be a whole number of at least %(minimum)s.", name=name, minimum=low)
            return _("%(name)s must be a whole number.", name=name)
    elif "pattern" in schema and not re.search(schema["pattern"], value):
        return _("%(name)s holds a character it cannot hold.", name=name)
    return None


def check_declared_arguments() -> None:
    """Every query argument the OpenAPI document declares for this address is checked against its schema
    before the view runs: the document is the one rule, and what it declares is what is refused."""
    if request.url_rule is None:
        return
    path = re.sub(r"<[^>]*>", "{}", request.url_rule.rule.removeprefix("/api"))
    for parameter in parameters_by_rule().get(path, ()):
        reason = refusal(parameter, request.args.getlist(parameter["name"]))
        if reason is not None:
            raise BadArgument(reason)


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint for API endpoints: CORS-open answers, query arguments checked as declared, and
    BadArgument as a JSON problem document."""
    bp = Blueprint(name, import_name)
    bp.register_error_handler(BadArgument, _bad_argument)
    bp.before_request(check_declared_arguments)
    bp.after_request(_open_to_every_site)
    return bp


def per_page() -> int:
    """The ?per_page= argument, already checked against the OpenAPI document (1 to 100)."""
    return int(request.args.get("per_page", 20))


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
        raise UnknownArgument(_("There is no body %(slug)s.", slug=slug))
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
