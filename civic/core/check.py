"""`flask --app civic check`: what to verify before starting Civic, one finding per line, each failure with
what to do about it. Production (CIVIC_ENV=production, civic.config.is_production) makes it strict: a secret
key shared by every machine, an https base URL, a real mail server. Any failure gives a non-zero exit, so a
service manager can refuse to start (ExecStartPre=) and a deploy script can stop."""
from __future__ import annotations

import os
import shlex
import smtplib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from civic.config import is_production
from civic.core import health
from civic.database import db

MINIMUM_KEY_LENGTH = 32
NEW_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


@dataclass(frozen=True)
class Finding:
    """One line of the report: ok, a warning (shown, not failing) or a failure."""

    name: str
    ok: bool
    message: str
    warning: bool = False

    @property
    def label(self) -> str:
        return "FAIL" if not self.ok else "warn" if self.warning else "ok"


def secret_key(app: Flask) -> Finding:
    key = app.config.get("SECRET_KEY") or ""
    kept = Path(app.instance_path) / "secret_key"  # civic.config.generated_secret_key's file
    generated = kept.exists() and key == kept.read_text().strip()
    if not is_production(app.config):
        return Finding("secret key", True, "generated in the instance folder (development)" if generated
                       else "set")
    if generated:
        return Finding("secret key", False, "CIVIC_SECRET_KEY is not set, so this machine signs sessions "
                       "with the key it generated in its instance folder; every machine needs the same one. "
                       f"Set CIVIC_SECRET_KEY to a long random value (e.g. {NEW_KEY}) on all of them.")
    if len(key) < MINIMUM_KEY_LENGTH:
        return Finding("secret key", False, f"CIVIC_SECRET_KEY has {len(key)} characters; use at least "
                       f"{MINIMUM_KEY_LENGTH} random ones (e.g. {NEW_KEY}).")
    return Finding("secret key", True, "set")


def base_url(app: Flask) -> Finding:
    url = app.config["CIVIC_BASE_URL"]
    if not is_production(app.config):
        return Finding("base URL", True, url)
    if urlsplit(url).scheme != "https":
        return Finding("base URL", False, f"CIVIC_BASE_URL is {url}; in production the links in e-mails must "
                       "use https:// (set CIVIC_BASE_URL=https://your.site: cookies are then secure too).")
    if not app.config.get("SESSION_COOKIE_SECURE"):
        return Finding("base URL", True, f"{url}, but CIVIC_SECURE_COOKIES is off: unset it (or set it to "
                       "1), so browsers never send the session cookie over plain http.", warning=True)
    return Finding("base URL", True, url)


def server_processes(config, environ=os.environ) -> tuple[int, str]:
    """How many server processes will serve the site, and who says so: CIVIC_PROCESSES, else gunicorn's own
    settings in the environment (WEB_CONCURRENCY, --workers in GUNICORN_CMD_ARGS), else one."""
    if config.get("CIVIC_PROCESSES"):
        return config["CIVIC_PROCESSES"], "CIVIC_PROCESSES"
    arguments = shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))
    for index, argument in enumerate(arguments):
        value = None
        if argument in ("-w", "--workers") and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif argument.startswith("--workers="):
            value = argument.partition("=")[2]
        elif argument.startswith("-w") and len(argument) > 2:
            value = argument[2:]
        if value is not None and value.isdigit():
            return int(value), "GUNICORN_CMD_ARGS"
    if environ.get("WEB_CONCURRENCY", "").isdigit():
        return int(environ["WEB_CONCURRENCY"]), "WEB_CONCURRENCY"
    return 1, "default"


def redis(app: Flask) -> Finding:
    processes, source = server_processes(app.config)
    url = app.config.get("CIVIC_REDIS_URL")
    if not url:
        if processes > 1:
            return Finding("redis", True, f"not set, with {processes} server processes ({source}): rate "
                           "limits are shared in the database (a write per request); on several machines "
                           "the page cache would need it too. Set CIVIC_REDIS_URL=redis://host:6379/0 for "
                           "heavy traffic or several machines.", warning=True)
        return Finding("redis", True, "not set: rate limits in the database")
    where = urlsplit(url)
    if not health.redis(url).ok:
        return Finding("redis", False, f"CIVIC_REDIS_URL is set but Redis does not answer at "
                       f"{where.hostname}:{where.port or 6379}.")
    return Finding("redis", True, f"answers at {where.hostname}:{where.port or 6379}")


def smtp(app: Flask, connect: Callable[[str], AbstractContextManager]) -> Finding:
    url = app.config.get("CIVIC_SMTP_URL")
    if not url:
        if is_production(app.config):
            return Finding("mail server", False, "CIVIC_SMTP_URL is not set, so e-mails would be printed, "
                           "not sent. Set it, e.g. smtp+starttls://user:password@mail.example.org:587.")
        return Finding("mail server", True, "not set: e-mails are printed (development)")
    where = urlsplit(url)
    address = f"{where.hostname}:{where.port or ('465' if where.scheme == 'smtps' else '25')}"
    try:
        with connect(url):
            pass
    except (OSError, smtplib.SMTPException) as error:
        return Finding("mail server", False, f"cannot use the mail server at {address} (CIVIC_SMTP_URL): "
                       f"{type(error).__name__}: {error}")
    return Finding("mail server", True, f"answers at {address}")


def database_and_migrations(app: Flask) -> list[Finding]:
    where = db.engine.url.render_as_string(hide_password=True)
    if not health.database().ok:
        return [Finding("database", False, f"cannot connect to {where} (CIVIC_DATABASE_URL).")]
    found = [Finding("database", True, f"answers ({where})")]
    migrations = health.migrations()
    current = ", ".join(migrations.facts.get("current", [])) or "none"
    head = ", ".join(migrations.facts["head"])
    if not migrations.ok:
        found.append(Finding("migrations", False, f"the database is at revision {current}, the code at "
                             f"{head}: run `flask --app civic db upgrade` (once, from one machine)."))
    else:
        found.append(Finding("migrations", True, f"at {head}"))
    return found


def metrics(app: Flask) -> Finding:
    processes, source = server_processes(app.config)
    if not app.config["CIVIC_METRICS_ALLOW"]:
        return Finding("metrics", True, "not served (CIVIC_METRICS_ALLOW is empty)")
    if processes > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return Finding("metrics", True, f"{processes} server processes ({source}) without "
                       "PROMETHEUS_MULTIPROC_DIR: each answer of /metrics counts one process only.",
                       warning=True)
    return Finding("metrics", True, "served at /metrics to CIVIC_METRICS_ALLOW")


def run(app: Flask, smtp_connect: Callable[[str], AbstractContextManager]) -> list[Finding]:
    """Every finding, in the order they are printed."""
    with app.app_context():
        return [
            Finding("environment", True, app.config["CIVIC_ENV"]),
            secret_key(app),
            base_url(app),
            *database_and_migrations(app),
            redis(app),
            smtp(app, smtp_connect),
            metrics(app),
        ]
