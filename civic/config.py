"""Configuration: embedded defaults, overridden by CIVIC_* environment variables, then instance/config.py."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _number(name: str) -> int | float:
    """A numeric setting from the environment; a value that is not a number stops the start with its name."""
    value = os.environ[name].strip()
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"{name} must be a number, not {value!r}") from None


def secret_key(instance_path: str) -> str:
    """CIVIC_SECRET_KEY, or a key generated once into instance/secret_key (never committed)."""
    from_env = os.environ.get("CIVIC_SECRET_KEY")
    if from_env:
        return from_env
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


def from_environment(instance_path: str) -> dict:
    """The settings a deployment controls through the environment, with embedded defaults."""
    default_db = "sqlite:///" + str(Path(instance_path) / "civic.sqlite3")
    redis_url = os.environ.get("CIVIC_REDIS_URL") or None
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("CIVIC_DATABASE_URL") or default_db,
        "CIVIC_REDIS_URL": redis_url,
        "CIVIC_SMTP_URL": os.environ.get("CIVIC_SMTP_URL") or None,
        "CIVIC_BASE_URL": (os.environ.get("CIVIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "CIVIC_MAIL_FROM": os.environ.get("CIVIC_MAIL_FROM") or "Civic <noreply@civic.localhost>",
        "RATELIMIT_ENABLED": _flag("CIVIC_RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "SESSION_COOKIE_SECURE": _flag("CIVIC_SECURE_COOKIES", False),
        **{name: _number(name) for name in ENVIRONMENT_NUMBERS if os.environ.get(name, "").strip()},
    }


# Settings of Defaults that the environment may set too (a number each).
ENVIRONMENT_NUMBERS = (
    "CIVIC_OUTBOX_RECLAIM_SECONDS",
    "CIVIC_OUTBOX_BACKOFF_SECONDS",
    "CIVIC_OUTBOX_BACKOFF_MAX_SECONDS",
    "CIVIC_OUTBOX_RETRY_HOURS",
)


class Defaults:
    """Embedded defaults; every one can be overridden in instance/config.py."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
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
    # The outbox (civic/outbox/services.py; the README's "E-mail" section): a message left "sending" this long
    # by a worker is taken back by the next round; failed attempts wait the first delay, doubled each time up
    # to the longest; a message is tried again for this many hours after it was queued, then it is "failed".
    CIVIC_OUTBOX_RECLAIM_SECONDS = 600
    CIVIC_OUTBOX_BACKOFF_SECONDS = 60
    CIVIC_OUTBOX_BACKOFF_MAX_SECONDS = 3600
    CIVIC_OUTBOX_RETRY_HOURS = 72
    CIVIC_REMINDER_HOURS = 24
    CIVIC_SMALL_CELL = 5
    # Public pages kept rendered for anonymous visitors (civic/core/pagecache.py): at most this many seconds,
    # and never past a change to the data; this many pages per worker process. 0 seconds turns it off.
    CIVIC_PAGE_CACHE_SECONDS = 60
    CIVIC_PAGE_CACHE_ENTRIES = 1000
    CIVIC_LICENCE = "CC-BY-4.0"
