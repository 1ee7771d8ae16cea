"""Logging, configured once when the app is made: one handler on the root logger, writing to standard error
human-readable lines, or JSON lines with CIVIC_LOG_FORMAT=json; a request id on every line; nothing personal.

- The request id comes from the proxy's X-Request-ID when the request came through the configured proxy
  (CIVIC_BEHIND_PROXY, which puts werkzeug's ProxyFix in front of the app), else it is made here; the
  response carries it back in X-Request-ID, so a person's complaint, nginx's log and ours meet.
- One line per request (logger "civic.access"): method, route pattern, endpoint, status and time. The route
  pattern (/account/reset/<token>), never the address: addresses carry tokens and codes, query strings carry
  what people typed. No client address, no account, no form value is logged anywhere.
- Every line goes through `redact()`, which blanks e-mail addresses, in case an error message quotes one
  (a database refusing a duplicate says which value it refused).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
# Put in the WSGI environ by ProxyFix, so present only when the proxy is configured.
PROXIED = "werkzeug.proxy_fix.orig"
# What nginx's $request_id, a UUID or a trace id look like; anything else is replaced, never logged.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}\Z")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Polled by machines every few seconds: their lines would drown the others, so they are DEBUG.
QUIET_ENDPOINTS = frozenset({"core.healthz", "core.readyz", "core.show_metrics", "static"})
# Fields of the access line, kept as their own keys in JSON.
ACCESS_FIELDS = ("method", "route", "endpoint", "status", "duration_ms")

access_log = logging.getLogger("civic.access")


def redact(text: str) -> str:
    """The text with every e-mail address blanked (a text without "@" has none: no search then)."""
    return _EMAIL.sub("<e-mail>", text) if "@" in text else text


def request_id() -> str | None:
    """The id of the current request (None outside one): the proxy's, when trusted, else a new one."""
    if not has_request_context():
        return None
    found = g.get("request_id")
    if found is None:
        offered = request.headers.get(REQUEST_ID_HEADER, "") if PROXIED in request.environ else ""
        found = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        g.request_id = found
    return found


class RequestIdFilter(logging.Filter):
    """Puts the request id on every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() or "-"
        return True


class DevelopmentServerRequests(logging.Filter):
    """Drops the request lines of the development server (`flask run`): they carry the client's address and
    the whole address asked, query and tokens included; the access line of this module replaces them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "werkzeug" and " - - [" in str(record.msg))


class TextFormatter(logging.Formatter):
    """`2026-05-04T09:12:30.123Z INFO [request id] logger: message`, for a person reading a terminal."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def formatTime(self, record, datefmt=None) -> str:  # noqa: N802 (logging's name)
        return _timestamp(record)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, message, the access fields when present,
    and the traceback under "exception"."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": redact(record.getMessage()),
        }
        for field in ACCESS_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


_second: tuple[float, str] = (-1.0, "")  # the last second formatted, and its text up to the milliseconds


def _timestamp(record: logging.LogRecord) -> str:
    """`2026-05-04T09:12:30.123Z`; each second's part formatted once (every request writes a line)."""
    global _second
    second, fraction = divmod(record.created, 1)
    found, text = _second  # one tuple: threads of one process see a second with its own text
    if found != second:
        text = dt.datetime.fromtimestamp(second, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        _second = (second, text)
    return f"{text}{min(int(fraction * 1000), 999):03d}Z"


class StandardError(logging.StreamHandler):
    """Writes to whatever sys.stderr is when the line is written (a test may have swapped it)."""

    civic = True  # marks the handler configure() owns, to replace it when the app is made again

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(log_format: str, level: str) -> None:
    """Replace the root logger's handler with ours (the format and level of the settings)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "civic", False)]:
        root.removeHandler(handler)
    handler = StandardError()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(DevelopmentServerRequests())
    root.addHandler(handler)
    root.setLevel(level)


def _start_clock() -> None:
    g.civic_started = time.perf_counter()


def _log_response(response):
    started = g.get("civic_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    asked = request._get_current_object()  # read five times: once through the proxy
    route = asked.url_rule.rule if asked.url_rule is not None else "-"
    endpoint = asked.endpoint or "-"
    level = logging.DEBUG if endpoint in QUIET_ENDPOINTS else logging.INFO
    access_log.log(level, "%s %s %s %sms", asked.method, route, response.status_code, duration,
                   extra={"method": asked.method, "route": route, "endpoint": endpoint,
                          "status": response.status_code, "duration_ms": duration})
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def init_app(app: Flask) -> None:
    configure(app.config["CIVIC_LOG_FORMAT"], app.config["CIVIC_LOG_LEVEL"])
    # Flask's own handler would print the app's lines a second time, in its own format.
    app.logger.removeHandler(default_handler)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request(_log_response)
