"""Configuration: embedded defaults, overridden by CIVIC_* environment variables, then instance/config.py.

Every setting a deployment controls through the environment is declared once, in SETTINGS, with its
default; the README's "Configuration" table has one row for each (tests/ops/test_settings.py keeps the three
in step). Settings without a variable (rate limits, page sizes) are the `Defaults` below, changed in
instance/config.py."""
from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEVELOPMENT = "development"
PRODUCTION = "production"


def is_production(config: Mapping) -> bool:
    """Whether this is a production deployment (CIVIC_ENV=production): the one place that says so. It makes
    `flask check` strict (a shared secret key, https, a real mail server); pages behave the same."""
    return config.get("CIVIC_ENV") == PRODUCTION


def read_flag(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("use 1 or 0 (also true/false, yes/no, on/off)")


def read_choice(*choices: str) -> Callable[[str], str]:
    def read(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"use one of {', '.join(choices)}")
        return value

    return read


def read_seconds(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("a number of seconds cannot be negative")
    return value


def read_count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("a count cannot be negative")
    return value


def read_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Addresses or networks separated by commas or spaces: "127.0.0.1, 10.0.0.0/8, ::1"."""
    return tuple(ipaddress.ip_network(part, strict=False) for part in text.replace(",", " ").split())


def read_level(text: str) -> str:
    value = text.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return value


def generated_secret_key(instance_path: str) -> str:
    """A key generated once into instance/secret_key (never committed): fine for one machine in development,
    wrong for several (each would make its own, and sessions would break)."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _default_database(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "civic.sqlite3")


@dataclass(frozen=True)
class Setting:
    """A setting a deployment may give in the environment: the variable, the app.config key it sets, and
    its value when the variable is unset or empty (`default`, or `computed` from the instance folder)."""

    variable: str
    key: str
    default: Any = None
    read: Callable[[str], Any] = str
    computed: Callable[[str], Any] | None = None

    def value(self, instance_path: str) -> Any:
        text = os.environ.get(self.variable, "").strip()
        if not text:
            return self.computed(instance_path) if self.computed else self.default
        try:
            return self.read(text)
        except ValueError as error:
            raise ValueError(f"{self.variable}={text!r} is not valid: {error}") from error


SETTINGS: tuple[Setting, ...] = (
    Setting("CIVIC_ENV", "CIVIC_ENV", DEVELOPMENT, read_choice(DEVELOPMENT, PRODUCTION)),
    Setting("CIVIC_DATABASE_URL", "SQLALCHEMY_DATABASE_URI", computed=_default_database),
    Setting("CIVIC_SECRET_KEY", "SECRET_KEY", computed=generated_secret_key),
    Setting("CIVIC_REDIS_URL", "CIVIC_REDIS_URL"),
    Setting("CIVIC_SMTP_URL", "CIVIC_SMTP_URL"),
    Setting("CIVIC_BASE_URL", "CIVIC_BASE_URL", "http://127.0.0.1:5000", lambda text: text.rstrip("/")),
    Setting("CIVIC_MAIL_FROM", "CIVIC_MAIL_FROM", "Civic <noreply@civic.localhost>"),
    Setting("CIVIC_SECURE_COOKIES", "SESSION_COOKIE_SECURE", False, read_flag),
    Setting("CIVIC_RATELIMIT_ENABLED", "RATELIMIT_ENABLED", True, read_flag),
    Setting("CIVIC_BEHIND_PROXY", "CIVIC_BEHIND_PROXY", False, read_flag),
    Setting("CIVIC_PROCESSES", "CIVIC_PROCESSES", None, read_count),
    Setting("CIVIC_LOG_FORMAT", "CIVIC_LOG_FORMAT", "text", read_choice("text", "json")),
    Setting("CIVIC_LOG_LEVEL", "CIVIC_LOG_LEVEL", "INFO", read_level),
    Setting("CIVIC_METRICS_ALLOW", "CIVIC_METRICS_ALLOW", (), read_networks),
    Setting("CIVIC_RETRY_AFTER", "CIVIC_RETRY_AFTER", 30, read_seconds),
    Setting("CIVIC_READY_OUTBOX_LIMIT", "CIVIC_READY_OUTBOX_LIMIT", 1000, read_count),
)


def from_environment(instance_path: str) -> dict:
    """The settings a deployment controls through the environment, with embedded defaults."""
    values = {setting.key: setting.value(instance_path) for setting in SETTINGS}
    redis_url = values["CIVIC_REDIS_URL"]
    values["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    if redis_url:
        # A Redis that stops answering must cost a request a second at most, not a hung worker.
        values["RATELIMIT_STORAGE_OPTIONS"] = {"socket_timeout": 1, "socket_connect_timeout": 1}
    return values


class Defaults:
    """Embedded defaults; every one can be overridden in instance/config.py."""

    # hide_parameters: a database error in the log shows the statement, never the values (names, e-mails).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    SQLALCHEMY_RECORD_QUERIES = False
    BABEL_DEFAULT_LOCALE = "it"
    BABEL_DEFAULT_TIMEZONE = "Europe/Rome"
    CIVIC_LANGUAGES = ("it", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "civic_session"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    # Rate limits, per client address.
    CIVIC_LIMIT_LOGIN = "10 per minute;50 per hour"
    CIVIC_LIMIT_REGISTER = "5 per minute;30 per hour"
    CIVIC_LIMIT_RESET = "5 per minute;30 per hour"
    CIVIC_LIMIT_COMMENT = "10 per minute;100 per hour"
    CIVIC_LIMIT_RSVP = "20 per minute"
    CIVIC_CONFIRM_MAX_AGE = 7 * 24 * 3600
    CIVIC_RESET_MAX_AGE = 3600
    CIVIC_PAGE_SIZE = 20
    CIVIC_MAX_PAGE = 500
    CIVIC_OUTBOX_MAX_ATTEMPTS = 8
    CIVIC_REMINDER_HOURS = 24
    CIVIC_SMALL_CELL = 5
    # Public pages kept rendered for anonymous visitors (civic/core/pagecache.py): at most this many seconds,
    # and never past a change to the data; this many pages per worker process. 0 seconds turns it off.
    CIVIC_PAGE_CACHE_SECONDS = 60
    CIVIC_PAGE_CACHE_ENTRIES = 1000
    CIVIC_LICENCE = "CC-BY-4.0"
