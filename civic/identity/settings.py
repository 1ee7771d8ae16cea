"""What a deployment says about its SPID and CIE service provider, read from the configuration
(civic/config.py), with demo values in development and errors at start-up in production."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app

from civic import config as civic_config
from civic.identity.models import Provider

# SPID's attribute names (Regole tecniche) that Civic asks for; CIE gives only the eIDAS minimum set.
SPID_ATTRIBUTES = ("spidCode", "name", "familyName", "fiscalNumber", "email", "dateOfBirth")
CIE_ATTRIBUTES = ("name", "familyName", "fiscalNumber", "dateOfBirth")
LEVELS = (1, 2, 3)
# Settings a production deployment must give itself (the demo values below would name nobody).
REQUIRED_IN_PRODUCTION = ("CIVIC_SPID_IPA_CODE", "CIVIC_SPID_ORGANIZATION_NAME", "CIVIC_SPID_CONTACT_EMAIL")
DEMO_VALUES = {
    "CIVIC_SPID_IPA_CODE": "c_demo",
    "CIVIC_SPID_ORGANIZATION_NAME": "Comune di Demo",
    "CIVIC_SPID_CONTACT_EMAIL": "protocollo@comune.demo.example",
    "CIVIC_SPID_CONTACT_PHONE": "+390000000000",
    "CIVIC_CIE_MUNICIPALITY": "H501",
    "CIVIC_CIE_PROVINCE": "RM",
}


class ConfigurationError(RuntimeError):
    """The configuration cannot run SPID or CIE safely; raised at start-up."""


def is_production(app: Flask | None = None) -> bool:
    """Production (civic.config.is_production), or a public https address (not a loopback one) as
    CIVIC_BASE_URL: identities are stricter than the rest of the site about what counts as production."""
    config = (app or current_app).config
    if civic_config.is_production(config):
        return True
    parts = urlsplit(config.get("CIVIC_BASE_URL") or "")
    return parts.scheme == "https" and not _loopback(parts.hostname or "")


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def enabled(provider: Provider, app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("CIVIC_SPID_ENABLED" if provider is Provider.SPID else "CIVIC_CIE_ENABLED"))


def value(name: str, app: Flask | None = None) -> str:
    """A setting of the service provider, or its demo value when it is not set."""
    return (app or current_app).config.get(name) or DEMO_VALUES.get(name, "")


@dataclass(frozen=True)
class Endpoints:
    """The service provider's addresses for one provider (SPID or CIE)."""

    provider: Provider
    entity_id: str
    metadata_url: str
    acs_url: str
    slo_url: str

    @classmethod
    def of(cls, provider: Provider, app: Flask | None = None) -> Endpoints:
        config = (app or current_app).config
        base = config["CIVIC_BASE_URL"].rstrip("/")
        name = provider.value
        metadata_url = f"{base}/{name}/metadata"
        entity_id = config.get(f"CIVIC_{name.upper()}_ENTITY_ID") or metadata_url
        return cls(provider, entity_id, metadata_url, f"{base}/{name}/acs", f"{base}/{name}/slo")


def metadata_files(provider: Provider, app: Flask | None = None) -> list[str]:
    """The trusted identity providers' metadata files of a provider, sorted (spid/*.xml or cie/*.xml)."""
    folder = Path((app or current_app).config["CIVIC_IDENTITY_METADATA_DIR"]) / provider.value
    return sorted(str(path) for path in folder.glob("*.xml")) if folder.is_dir() else []


def default_level(provider: Provider, app: Flask | None = None) -> int:
    config = (app or current_app).config
    return config["CIVIC_SPID_LEVEL" if provider is Provider.SPID else "CIVIC_CIE_LEVEL"]


def check(app: Flask) -> None:
    """Refuse to start with a configuration that cannot be right: a demo identity provider in production, or
    SPID/CIE in production without the identity key or the body's own settings."""
    config = app.config
    production = is_production(app)
    if config.get("CIVIC_DEMO_IDP") and production:
        raise ConfigurationError("CIVIC_DEMO_IDP: the demo identity provider is refused in production "
                                 "(CIVIC_ENV=production or a public https CIVIC_BASE_URL)")
    for name in ("CIVIC_SPID_LEVEL", "CIVIC_CIE_LEVEL"):
        if config.get(name) not in LEVELS:
            raise ConfigurationError(f"{name} must be 1, 2 or 3")
    if not (config.get("CIVIC_SPID_ENABLED") or config.get("CIVIC_CIE_ENABLED")):
        return
    for name in ("CIVIC_SPID_KEY_FILE", "CIVIC_SPID_CERT_FILE"):
        if not Path(config[name]).is_file():
            raise ConfigurationError(f"{name}: {config[name]} does not exist (`flask --app civic spid "
                                     "keygen` makes the key pair)")
    if not production:
        return
    missing = [name for name in ("CIVIC_IDENTITY_KEY", *REQUIRED_IN_PRODUCTION) if not config.get(name)]
    if config.get("CIVIC_CIE_ENABLED") and not config.get("CIVIC_CIE_MUNICIPALITY"):
        missing.append("CIVIC_CIE_MUNICIPALITY")
    if missing:
        raise ConfigurationError("SPID/CIE in production need these settings: " + ", ".join(missing))
