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


def _key_in_instance(instance_path: str, name: str) -> str:
    """A random key generated once into the instance folder (never committed) and read back."""
    path = Path(instance_path) / name
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


def secret_key(instance_path: str) -> str:
    """CIVIC_SECRET_KEY, or a key generated once into instance/secret_key (never committed)."""
    return os.environ.get("CIVIC_SECRET_KEY") or _key_in_instance(instance_path, "secret_key")


def identity_key(instance_path: str) -> str:
    """The key of the keyed hashes of fiscal codes (CIVIC_IDENTITY_KEY), for development only: generated once
    into instance/identity_key. Production sets its own (civic.identity refuses to start without it)."""
    return _key_in_instance(instance_path, "identity_key")


def _text(name: str) -> str | None:
    return (os.environ.get(name) or "").strip() or None


def _number(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value and value.strip() else default


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
        # "production" makes missing secrets an error at start-up and refuses the demo identity provider.
        "CIVIC_ENV": (os.environ.get("CIVIC_ENV") or "development").strip().lower(),
        # Sign in with SPID and CIE (civic/identity): see the README's "Sign in with SPID and CIE".
        "CIVIC_SPID_ENABLED": _flag("CIVIC_SPID_ENABLED", False),
        "CIVIC_CIE_ENABLED": _flag("CIVIC_CIE_ENABLED", False),
        # None: <CIVIC_BASE_URL>/spid/metadata and <CIVIC_BASE_URL>/cie/metadata.
        "CIVIC_SPID_ENTITY_ID": _text("CIVIC_SPID_ENTITY_ID"),
        "CIVIC_CIE_ENTITY_ID": _text("CIVIC_CIE_ENTITY_ID"),
        # The body running the site, as AgID and the Ministry know it. None: a demo value (refused in
        # production).
        "CIVIC_SPID_IPA_CODE": _text("CIVIC_SPID_IPA_CODE"),
        "CIVIC_SPID_ORGANIZATION_NAME": _text("CIVIC_SPID_ORGANIZATION_NAME"),
        "CIVIC_SPID_ORGANIZATION_DISPLAY_NAME": _text("CIVIC_SPID_ORGANIZATION_DISPLAY_NAME"),
        "CIVIC_SPID_ORGANIZATION_URL": _text("CIVIC_SPID_ORGANIZATION_URL"),
        "CIVIC_SPID_CONTACT_EMAIL": _text("CIVIC_SPID_CONTACT_EMAIL"),
        "CIVIC_SPID_CONTACT_PHONE": _text("CIVIC_SPID_CONTACT_PHONE"),
        "CIVIC_CIE_MUNICIPALITY": _text("CIVIC_CIE_MUNICIPALITY"),
        "CIVIC_CIE_PROVINCE": _text("CIVIC_CIE_PROVINCE"),
        # The service provider's key pair (`flask --app civic spid keygen`) and the trusted identity
        # providers' metadata (`flask --app civic spid fetch-idps`: spid/*.xml and cie/*.xml in the folder).
        "CIVIC_SPID_KEY_FILE": os.environ.get("CIVIC_SPID_KEY_FILE")
        or str(Path(instance_path) / "identity" / "sp-key.pem"),
        "CIVIC_SPID_CERT_FILE": os.environ.get("CIVIC_SPID_CERT_FILE")
        or str(Path(instance_path) / "identity" / "sp-crt.pem"),
        "CIVIC_IDENTITY_METADATA_DIR": os.environ.get("CIVIC_IDENTITY_METADATA_DIR")
        or str(Path(instance_path) / "identity" / "idps"),
        "CIVIC_SPID_CLOCK_SKEW": _number("CIVIC_SPID_CLOCK_SKEW", 120),
        # The level asked when signing in (1, 2 or 3); an activity may ask for more (?level=).
        "CIVIC_SPID_LEVEL": _number("CIVIC_SPID_LEVEL", 2),
        "CIVIC_CIE_LEVEL": _number("CIVIC_CIE_LEVEL", 2),
        # HMAC-SHA256 key of the fiscal codes' hashes; None: generated into the instance folder (development).
        "CIVIC_IDENTITY_KEY": os.environ.get("CIVIC_IDENTITY_KEY") or None,
        # The demo identity provider with fictional residents (`make run` turns it on); never in production.
        "CIVIC_DEMO_IDP": _flag("CIVIC_DEMO_IDP", False),
    }


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
    CIVIC_OUTBOX_MAX_ATTEMPTS = 8
    CIVIC_REMINDER_HOURS = 24
    CIVIC_SMALL_CELL = 5
    # Public pages kept rendered for anonymous visitors (civic/core/pagecache.py): at most this many seconds,
    # and never past a change to the data; this many pages per worker process. 0 seconds turns it off.
    CIVIC_PAGE_CACHE_SECONDS = 60
    CIVIC_PAGE_CACHE_ENTRIES = 1000
    CIVIC_LICENCE = "CC-BY-4.0"
