"""Configuration: every setting Civic reads, with its default, in this one module.

create_app() reads, each over the one before: `Defaults` (the defaults of Flask's and its extensions' settings
and of every CIVIC_* setting of `SETTINGS`), the CIVIC_* environment variables (each parsed to its setting's
type), then instance/config.py, then a test's mapping. A malformed environment variable stops the start-up
with a ConfigError naming it. Code reads current_app.config["NAME"], never with a second default of its own;
the README's configuration table describes every setting.
"""
from __future__ import annotations

import ipaddress
import json
import os
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many

PACKAGE_DIR = Path(__file__).resolve().parent
# Where the site is: times are shown, typed and dated there (civic.core.timezone), stored in UTC.
TIME_ZONE = "Europe/Rome"
# Italian has the translations; English is the language of the message ids.
LANGUAGES = ("it", "en")
ARGON2_PARAMETERS = ("time_cost", "memory_cost", "parallelism", "hash_len", "salt_len")
DEVELOPMENT = "development"
PRODUCTION = "production"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A CIVIC_* environment variable Civic cannot read: the application does not start."""


def is_production(config: Mapping) -> bool:
    """Whether this is a production deployment (CIVIC_ENV=production): the one place that says so. It makes
    `flask check` strict (a shared secret key, https, a real mail server) and refuses the demo identity
    provider; pages behave the same."""
    return config.get("CIVIC_ENV") == PRODUCTION


# Each parser turns a variable's text into the setting's value, or raises ValueError saying what it must be.


def _text(text: str) -> str:
    return text


def _boolean(text: str) -> bool:
    word = text.strip().lower()
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"0", "false", "no", "off"}:
        return False
    raise ValueError("1, true, yes or on, or 0, false, no or off")


def _hour(text: str) -> int:
    """An hour of the day, 0 to 23."""
    value = _whole(0)(text)
    if value > 23:
        raise ValueError("an hour from 0 to 23")
    return value


def _whole(minimum: int) -> Callable[[str], int]:
    """A parser of whole numbers from `minimum` up."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise ValueError(f"a whole number from {minimum} up") from None
        if value < minimum:
            raise ValueError(f"a whole number from {minimum} up")
        return value
    return parse


def _number(text: str) -> int | float:
    """A duration or a count that may have decimals: 7 stays a whole number, 2.5 does not."""
    try:
        value = int(text.strip())
    except ValueError:
        try:
            value = float(text.strip())
        except ValueError:
            raise ValueError("a number") from None
    if not 0 <= value < float("inf"):
        raise ValueError("a number from 0 up")
    return value


def _choice(*choices: str) -> Callable[[str], str]:
    """A parser of one word among `choices` (case does not matter)."""
    def parse(text: str) -> str:
        word = text.strip().lower()
        if word not in choices:
            raise ValueError(f"one of {', '.join(choices)}")
        return word
    return parse


def _log_level(text: str) -> str:
    word = text.strip().upper()
    if word not in LOG_LEVELS:
        raise ValueError(f"one of {', '.join(LOG_LEVELS)}")
    return word


def read_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Addresses or networks separated by commas or spaces: "127.0.0.1, 10.0.0.0/8, ::1"."""
    try:
        return tuple(ipaddress.ip_network(part, strict=False) for part in text.replace(",", " ").split())
    except ValueError:
        raise ValueError("addresses or networks like 127.0.0.1, 10.0.0.0/8, ::1") from None


def _level(text: str) -> int:
    if text.strip() not in ("1", "2", "3"):
        raise ValueError("a SPID level: 1, 2 or 3")
    return int(text)


def _rate_limits(text: str) -> str:
    try:
        parse_many(text)
    except ValueError:
        raise ValueError('rate limits like "10 per minute;50 per hour"') from None
    return text


def _web_address(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("an http:// or https:// address, like https://partecipa.comune.example.it")
    return text.strip().rstrip("/")


def _languages(text: str) -> tuple[str, ...]:
    chosen = tuple(code.strip() for code in text.split(",") if code.strip())
    if not chosen or any(code not in LANGUAGES for code in chosen):
        raise ValueError(f"language codes among {', '.join(LANGUAGES)}, separated by commas")
    return chosen


def _keys(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _argon2(text: str) -> dict[str, int]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError('a JSON object, like {"time_cost": 3, "memory_cost": 65536}') from None
    expected = f"a JSON object of whole numbers from 1 up named {', '.join(ARGON2_PARAMETERS)}"
    if not isinstance(value, dict):
        raise ValueError(expected)
    for name, number in value.items():
        if name not in ARGON2_PARAMETERS or type(number) is not int or number < 1:
            raise ValueError(expected)
    return value


@dataclass(frozen=True)
class Setting:
    """A setting: its CIVIC_* environment variable, its default, how the variable's text becomes the value,
    and the app.config key when it is not the variable's own name."""

    name: str
    default: Any
    parse: Callable[[str], Any] = _text
    key: str | None = None

    @property
    def config_key(self) -> str:
        return self.key or self.name


SETTINGS = (
    # "production" makes `flask check` strict and refuses the demo identity provider.
    Setting("CIVIC_ENV", DEVELOPMENT, _choice(DEVELOPMENT, PRODUCTION)),
    # Where the data is and how the site is reached. None: see from_environment().
    Setting("CIVIC_DATABASE_URL", None, key="SQLALCHEMY_DATABASE_URI"),
    # A pooled database connection idle for longer than this is tested before it is used (0: always).
    Setting("CIVIC_DATABASE_PING_AFTER_SECONDS", 1.0, _number),
    Setting("CIVIC_SECRET_KEY", None, key="SECRET_KEY"),
    Setting("CIVIC_BASE_URL", "http://127.0.0.1:5000", _web_address),
    Setting("CIVIC_REDIS_URL", None),
    Setting("CIVIC_SMTP_URL", None),
    Setting("CIVIC_MAIL_FROM", "Civic <noreply@civic.localhost>"),
    Setting("CIVIC_SITE_NAME", "Civic"),
    Setting("CIVIC_LANGUAGES", LANGUAGES, _languages),
    Setting("CIVIC_LICENCE", "CC-BY-4.0"),
    # The IPA code (indicepa.gov.it) of the body running the site: the DCAT-AP_IT catalogue's identifiers
    # start with it ("civic" when empty).
    Setting("CIVIC_IPA_CODE", ""),
    # HTTPS and the reverse proxies in front: how many of them to trust (0: none). Secure cookies: None
    # (unset) turns them on by itself when CIVIC_BASE_URL is https.
    Setting("CIVIC_SECURE_COOKIES", None, _boolean, key="SESSION_COOKIE_SECURE"),
    Setting("CIVIC_BEHIND_PROXY", 0, _whole(0)),
    # Operations (the README's "Operations"): how many server processes share the work (None: unknown,
    # `flask check` asks gunicorn), logs, who may read /metrics, Retry-After of a 503, and the outbox backlog
    # above which /readyz says the site is not ready.
    Setting("CIVIC_PROCESSES", None, _whole(1)),
    Setting("CIVIC_LOG_FORMAT", "text", _choice("text", "json")),
    Setting("CIVIC_LOG_LEVEL", "INFO", _log_level),
    Setting("CIVIC_METRICS_ALLOW", (), read_networks),
    Setting("CIVIC_RETRY_AFTER", 30, _whole(0)),
    Setting("CIVIC_READY_OUTBOX_LIMIT", 1000, _whole(0)),
    # Login sessions (civic/accounts/auth.py; the README's "Security"): logged out after this many minutes
    # without a request; ended anyway after these many hours (citizens, councillors and administrators), or
    # days for a citizen who ticked "keep me logged in" (then without the idle end).
    Setting("CIVIC_SESSION_IDLE_MINUTES", 30, _whole(1)),
    Setting("CIVIC_SESSION_HOURS", 12, _whole(1)),
    Setting("CIVIC_SESSION_STAFF_HOURS", 8, _whole(1)),
    Setting("CIVIC_SESSION_REMEMBER_DAYS", 30, _whole(1)),
    # Sign-in throttling per address, whatever the client: this many failures in a row are free, then each
    # further one pauses the address for the delay in seconds, doubled each time up to the longest.
    Setting("CIVIC_SIGN_IN_FREE_ATTEMPTS", 5, _whole(1)),
    Setting("CIVIC_SIGN_IN_DELAY", 30, _whole(1)),
    Setting("CIVIC_SIGN_IN_DELAY_MAX", 3600, _whole(1)),
    # Rate limits, per client address.
    Setting("CIVIC_RATELIMIT_ENABLED", True, _boolean, key="RATELIMIT_ENABLED"),
    # The limit of every page and request, per client address, besides the tighter ones below.
    Setting("CIVIC_LIMIT_DEFAULT", "300 per minute;3000 per hour", _rate_limits, key="RATELIMIT_DEFAULT"),
    Setting("CIVIC_LIMIT_LOGIN", "10 per minute;50 per hour", _rate_limits),
    Setting("CIVIC_LIMIT_REGISTER", "5 per minute;30 per hour", _rate_limits),
    Setting("CIVIC_LIMIT_RESET", "5 per minute;30 per hour", _rate_limits),
    # Per target address, whoever asks: password-reset and confirmation e-mails (sign-up, sent again).
    Setting("CIVIC_LIMIT_MAIL_TARGET", "3 per hour;10 per day", _rate_limits),
    Setting("CIVIC_LIMIT_COMMENT", "10 per minute;100 per hour", _rate_limits),
    Setting("CIVIC_LIMIT_RSVP", "20 per minute", _rate_limits),
    Setting("CIVIC_LIMIT_SURVEY_ANSWER", "20 per minute;200 per hour", _rate_limits),
    # Accounts: links' lifetimes in seconds, and the cost of password hashing (argon2-cffi's when empty).
    Setting("CIVIC_CONFIRM_MAX_AGE", 7 * 24 * 3600, _whole(1)),
    Setting("CIVIC_RESET_MAX_AGE", 3600, _whole(1)),
    Setting("CIVIC_ARGON2", {}, _argon2),
    # Lists and public figures.
    Setting("CIVIC_PAGE_SIZE", 20, _whole(1)),
    Setting("CIVIC_MAX_PAGE", 500, _whole(1)),
    Setting("CIVIC_SMALL_CELL", 5, _whole(1)),
    # Anonymous surveys: web responses are released into the results in shuffled batches of at least this
    # many, so the database cannot tell whose response is whose (civic/surveys/batches.py; 1: at once).
    Setting("CIVIC_ANONYMITY_BATCH", 10, _whole(1)),
    # E-mail (civic/outbox/services.py; the README's "E-mail" section): a message left "sending" this long by
    # a worker is taken back by the next round; failed attempts wait the first delay, doubled each time up to
    # the longest; a message is tried again for this many hours after it was queued, then it is "failed".
    Setting("CIVIC_OUTBOX_RECLAIM_SECONDS", 600, _number),
    Setting("CIVIC_OUTBOX_BACKOFF_SECONDS", 60, _number),
    Setting("CIVIC_OUTBOX_BACKOFF_MAX_SECONDS", 3600, _number),
    Setting("CIVIC_OUTBOX_RETRY_HOURS", 72, _number),
    Setting("CIVIC_REMINDER_HOURS", 24, _whole(0)),
    # The hour (0-23, Europe/Rome) after which the daily digest of notifications goes out
    # (civic/notifications).
    Setting("CIVIC_DIGEST_HOUR", 7, _hour),
    # Kept in each process: rendered public pages (civic/core/pagecache.py; 0 seconds turns it off), and the
    # results' aggregates (civic/results/report.py; 0 surveys turns it off), reused while a survey is open
    # for this many seconds without looking for new responses.
    Setting("CIVIC_PAGE_CACHE_SECONDS", 60, _number),
    Setting("CIVIC_PAGE_CACHE_ENTRIES", 1000, _whole(1)),
    # Signed-in citizens get the kept public page with their personal parts added (civic/core/slots.py);
    # off: their pages are rendered whole.
    Setting("CIVIC_PERSONAL_SLOTS", True, _boolean),
    # On those pages, the signed-in citizens each process knows (civic/accounts/people.py), read again after
    # any change to them; 0 reads them for every page.
    Setting("CIVIC_PEOPLE_KEPT", 10000, _whole(0)),
    Setting("CIVIC_RESULTS_CACHE_SIZE", 32, _whole(0)),
    Setting("CIVIC_RESULTS_OPEN_GRACE", 30, _number),
    # The results' aggregates kept in the database too (civic/results/snapshots.py), written again after this
    # many new responses; 0: no snapshot.
    Setting("CIVIC_RESULTS_SNAPSHOT_EVERY", 500, _whole(0)),
    # Sign in with SPID and CIE (civic/identity; the README's "Sign in with SPID and CIE"). Entity ids: None
    # gives <CIVIC_BASE_URL>/spid/metadata and /cie/metadata. The body running the site as AgID and the
    # Ministry know it (None: a demo value, refused in production). The key pair (`flask --app civic spid
    # keygen`) and the trusted identity providers' metadata (`spid fetch-idps`: spid/*.xml and cie/*.xml):
    # None gives files in the instance folder. The level asked when signing in (an activity may ask more).
    Setting("CIVIC_SPID_ENABLED", False, _boolean),
    Setting("CIVIC_CIE_ENABLED", False, _boolean),
    Setting("CIVIC_SPID_ENTITY_ID", None, _web_address),
    Setting("CIVIC_CIE_ENTITY_ID", None, _web_address),
    Setting("CIVIC_SPID_IPA_CODE", None),
    Setting("CIVIC_SPID_ORGANIZATION_NAME", None),
    Setting("CIVIC_SPID_ORGANIZATION_DISPLAY_NAME", None),
    Setting("CIVIC_SPID_ORGANIZATION_URL", None, _web_address),
    Setting("CIVIC_SPID_CONTACT_EMAIL", None),
    Setting("CIVIC_SPID_CONTACT_PHONE", None),
    Setting("CIVIC_CIE_MUNICIPALITY", None),
    Setting("CIVIC_CIE_PROVINCE", None),
    Setting("CIVIC_SPID_KEY_FILE", None),
    Setting("CIVIC_SPID_CERT_FILE", None),
    Setting("CIVIC_IDENTITY_METADATA_DIR", None),
    Setting("CIVIC_SPID_CLOCK_SKEW", 120, _whole(0)),
    Setting("CIVIC_SPID_LEVEL", 2, _level),
    Setting("CIVIC_CIE_LEVEL", 2, _level),
    # HMAC-SHA256 key of the fiscal codes' hashes, distinct from the secret key. None: generated into the
    # instance folder (development); production refuses to start without it.
    Setting("CIVIC_IDENTITY_KEY", None),
    # Census verification (civic/census; the README's "Census verification"): the HMAC-SHA256 key of the
    # residents lists (None: generated into the instance folder in development), retired keys still accepted
    # (comma-separated) until every list is loaded again under the new one, how long a verification lasts,
    # the largest list a page may upload, and how often a person may try the typed-in check.
    Setting("CIVIC_CENSUS_KEY", None),
    Setting("CIVIC_CENSUS_OLD_KEYS", (), _keys),
    Setting("CIVIC_CENSUS_VERIFICATION_DAYS", 365, _whole(1)),
    Setting("CIVIC_CENSUS_MAX_UPLOAD_MB", 64, _whole(1)),
    Setting("CIVIC_LIMIT_CENSUS_CHECK", "5 per minute;20 per day", _rate_limits),
    # The demo identity provider with fictional residents (`make run` turns it on); never in production.
    Setting("CIVIC_DEMO_IDP", False, _boolean),
)
# Those read as numbers that may have decimals (durations, mostly).
ENVIRONMENT_NUMBERS = tuple(setting.name for setting in SETTINGS if setting.parse is _number)

# Read from the environment only: the instance folder (found before any configuration is read, see
# instance_path()) and the password `flask users create` gives an account when --password is absent.
ENVIRONMENT_ONLY = ("CIVIC_INSTANCE_PATH", "CIVIC_NEW_PASSWORD")


class Defaults:
    """Every setting's default: those of Flask and its extensions here, then those of SETTINGS (added below).
    Each can be overridden in instance/config.py."""

    # hide_parameters: a database error in the log shows the statement, never the values (names, e-mails).
    # No pool_pre_ping: a pooled connection idle for CIVIC_DATABASE_PING_AFTER_SECONDS is tested before use
    # instead (civic/core/outages.py).
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    SQLALCHEMY_RECORD_QUERIES = False
    BABEL_DEFAULT_LOCALE = "it"
    BABEL_DEFAULT_TIMEZONE = TIME_ZONE
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "civic_session"
    REMEMBER_COOKIE_NAME = "remember_token"
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    RATELIMIT_HEADERS_ENABLED = True
    # A count per window that starts at the first hit: what every store (memory, Redis, the database) keeps
    # alike in one atomic step.
    RATELIMIT_STRATEGY = "fixed-window"


for _setting in SETTINGS:
    setattr(Defaults, _setting.config_key, _setting.default)


def settle(config: dict) -> None:
    """What follows from the settings once every source was read: secure cookies when the site is on https,
    unless CIVIC_SECURE_COOKIES says otherwise."""
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = urlsplit(config["CIVIC_BASE_URL"]).scheme == "https"


def instance_path() -> str:
    """CIVIC_INSTANCE_PATH, or the folder `instance` of the checkout, or, for a package installed from the
    wheel, Flask's own rule: <environment>/var/civic-instance. There live instance/config.py, the secret key
    and the SQLite file."""
    explicit = os.environ.get("CIVIC_INSTANCE_PATH")
    if explicit:
        return explicit
    if (PACKAGE_DIR.parent / "pyproject.toml").exists():
        return str(PACKAGE_DIR.parent / "instance")
    return str(Path(sys.prefix) / "var" / "civic-instance")


def generated_secret_key(instance_path: str) -> str:
    """A key generated once into instance/secret_key (never committed): fine for one machine in development,
    wrong for several (each would make its own, and sessions would break)."""
    return _key_in_instance(instance_path, "secret_key")


def identity_key(instance_path: str) -> str:
    """The key of the keyed hashes of fiscal codes, for development only: generated once into
    instance/identity_key. Production sets CIVIC_IDENTITY_KEY (civic.identity refuses to start without it)."""
    return _key_in_instance(instance_path, "identity_key")


def census_key(instance_path: str) -> str:
    """The key of the residents lists' hashes, for development only: generated once into
    instance/census_key. Production sets CIVIC_CENSUS_KEY."""
    return _key_in_instance(instance_path, "census_key")


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


def from_environment(instance_path: str, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Every setting of SETTINGS: its environment variable parsed, or its default when the variable is unset
    or empty. Raises ConfigError for a value that cannot be read."""
    values = {}
    for setting in SETTINGS:
        text = environ.get(setting.name, "")
        if not text.strip():
            values[setting.config_key] = setting.default
            continue
        try:
            values[setting.config_key] = setting.parse(text)
        except ValueError as error:
            raise ConfigError(f"{setting.name} must be {error}, not {text!r}") from None
    if values["SQLALCHEMY_DATABASE_URI"] is None:
        values["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(instance_path) / "civic.sqlite3")
    if values["SECRET_KEY"] is None:
        values["SECRET_KEY"] = generated_secret_key(instance_path)
    identity = Path(instance_path) / "identity"
    for name, default in (("CIVIC_SPID_KEY_FILE", identity / "sp-key.pem"),
                          ("CIVIC_SPID_CERT_FILE", identity / "sp-crt.pem"),
                          ("CIVIC_IDENTITY_METADATA_DIR", identity / "idps")):
        values[name] = values[name] or str(default)
    # Only "keep me logged in" sessions have a cookie that outlives the browser; it lasts as long as they do.
    values["PERMANENT_SESSION_LIFETIME"] = values["CIVIC_SESSION_REMEMBER_DAYS"] * 24 * 3600
    # Without Redis the counters are kept in the database (civic.core.ratelimit.configure), so that every
    # process shares them.
    values["RATELIMIT_STORAGE_URI"] = values["CIVIC_REDIS_URL"] or None
    if values["CIVIC_REDIS_URL"]:
        # A Redis that stops answering must cost a request a second at most, not a hung worker.
        values["RATELIMIT_STORAGE_OPTIONS"] = {"socket_timeout": 1, "socket_connect_timeout": 1}
    return values
