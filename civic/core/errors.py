"""Generic error pages in the reader's language; JSON for API and JSON endpoints."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from civic.database import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("The page you are looking for does not exist or has been moved.")),
    405: (_l("Not allowed"), _l("This address cannot be used this way.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    429: (_l("Too many requests"), _l("You have made too many attempts. Wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been recorded; please try again later.")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def render_error(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    if _wants_json():
        return jsonify(error=str(title), status=code), code
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def handle_http(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    return render_error(error.code)


def handle_csrf(_error: CSRFError):
    return render_error(400, str(_l("Your form has expired or did not come from this site. "
                                   "Reload the page and try again.")))


def handle_unexpected(error: Exception):
    # The session may hold a half-done transaction; drop it before rendering.
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, lambda e: handle_unexpected(e))
    app.register_error_handler(Exception, handle_unexpected)
