"""Generic error pages in the reader's language; JSON for API and JSON endpoints.

When the database or Redis does not answer, the answer is 503 with Retry-After (CIVIC_RETRY_AFTER) and the
translated page, for signed-in people too: the page is drawn without loading the person again from the store
that just failed. Whatever happens while drawing an error page, the answer is still an error page: the plain
one below, never a second failure."""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from civic.core import metrics, outages
from civic.database import db
from civic.extensions import login_manager

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("The page you are looking for does not exist or has been moved.")),
    405: (_l("Not allowed"), _l("This address cannot be used this way.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    429: (_l("Too many requests"), _l("You have made too many attempts. Wait a minute and try again.")),
    500: (_l("Something went wrong"),
          _l("An unexpected error occurred. It has been recorded; please try again later.")),
    503: (_l("Service temporarily unavailable"),
          _l("The site cannot reach its data right now. Try again in a minute; if you were sending a form, "
             "send it again.")),
}
PLAIN_PAGE = ('<!DOCTYPE html>\n<html lang="{lang}">\n'
              '<head><meta charset="utf-8"><title>{title}</title></head>\n'
              '<body><main><h1>{title}</h1><p>{text}</p><p><a href="/">{home}</a></p></main></body>\n'
              '</html>\n')


PROBLEM_TYPE = "application/problem+json"


def problem(code: int, detail=None, error=None):
    """An RFC 9457 problem document for the JSON addresses (the open-data API, the .json pages): the
    translated title of the code, the detail in the reader's language, and `error`, the short message the
    API always carried (the detail, or the title)."""
    title, text = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    body = {"type": "about:blank", "title": str(title), "status": code, "detail": str(detail or text),
            "error": str(error or detail or title)}
    response = jsonify(body)
    response.status_code = code
    response.mimetype = PROBLEM_TYPE
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def _forget_user() -> None:
    """Draw the page for nobody in particular: loading the signed-in person needs the database. (Flask-Login
    keeps the user of the request in g._login_user; the session, and so the sign-in, stay as they were.)"""
    g._login_user = login_manager.anonymous_user()


def _plain_page(code: int, title, text) -> str:
    return PLAIN_PAGE.format(lang=escape(str(get_locale() or "it")), title=escape(str(title)),
                             text=escape(str(text)), home=escape(str(_l("Go to the home page"))))


def render_error(code: int, detail: str | None = None, headers: dict | None = None):
    """The error page (or JSON) for `code`, in the reader's language, with `headers` (a 405's Allow); 503s
    carry Retry-After."""
    title, text = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    headers = dict(headers or {})
    if code == 503:
        headers["Retry-After"] = str(current_app.config["CIVIC_RETRY_AFTER"])
    if _wants_json():
        return problem(code, detail, error=title), code, headers
    text = detail or text
    if code == 503:
        _forget_user()
    try:
        return render_template("errors/error.html", code=code, title=title, text=text), code, headers
    except Exception:
        log.exception("the error page %s could not be drawn; trying without the signed-in person", code)
    try:
        _forget_user()
        return render_template("errors/error.html", code=code, title=title, text=text), code, headers
    except Exception:
        log.warning("the error page %s could not be drawn at all; sending the plain one", code, exc_info=True)
    return _plain_page(code, title, text), code, {**headers, "Content-Type": "text/html; charset=utf-8"}


def settle_retry_after(response):
    """Flask-Limiter writes its window's reset into Retry-After on every answer it counted, after the other
    hooks; registered before it, this runs after it: a 503 says when to come back (CIVIC_RETRY_AFTER), a 429
    keeps the limiter's, and an answer that refuses nothing carries none."""
    if response.status_code == 503:
        response.headers["Retry-After"] = str(current_app.config["CIVIC_RETRY_AFTER"])
    elif response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


def _rollback() -> None:
    """Drop a half-done transaction; with the database gone the rollback itself may fail, and that is fine:
    the pool throws the connection away."""
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback after an error failed", exc_info=True)


def _route() -> str:
    return request.url_rule.rule if request.url_rule is not None else "-"


def handle_http(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    # What the exception says besides its body: Allow on a 405, WWW-Authenticate, Retry-After on a 429.
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    return render_error(error.code, headers=headers)


def handle_csrf(_error: CSRFError):
    return render_error(400, str(_l("Your form has expired or did not come from this site. "
                                   "Reload the page and try again.")))


def handle_unavailable(error: Exception):
    _rollback()
    cause = outages.which(error)
    # No traceback: an outage is not a bug, and the operator needs one line per request, not forty.
    log.error("%s unavailable on %s %s: %s", cause, request.method, _route(), type(error).__name__)
    metrics.count_error(cause)
    return render_error(503)


def handle_unexpected(error: Exception):
    original = getattr(error, "original_exception", None) or error
    if outages.is_unavailable(original):
        return handle_unavailable(original)
    # The session may hold a half-done transaction; drop it before rendering.
    _rollback()
    log.error("unhandled error on %s %s", request.method, _route(), exc_info=original)
    metrics.count_error("unexpected")
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    for unavailable in outages.UNAVAILABLE:
        app.register_error_handler(unavailable, handle_unavailable)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
