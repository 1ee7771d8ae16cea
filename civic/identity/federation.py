"""The service providers (SPID, CIE) and the demo identity provider of this app, built on first use from the
configuration and kept per process; a changed configuration builds new ones. pysaml2 is imported with the
first of them (civic.identity.saml says why), not with the app."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from civic.identity import settings
from civic.identity.models import Provider
from civic.identity.protocol import Organisation

if TYPE_CHECKING:
    from civic.identity.demo_idp.server import DemoIdentityProvider
    from civic.identity.saml import ServiceProvider

EXTENSION = "civic.identity"
_lock = threading.Lock()
# The settings a service provider is built from: when one changes, it is built again.
INPUTS = ("CIVIC_BASE_URL", "CIVIC_SPID_ENTITY_ID", "CIVIC_CIE_ENTITY_ID", "CIVIC_SPID_KEY_FILE",
          "CIVIC_SPID_CERT_FILE", "CIVIC_IDENTITY_METADATA_DIR", "CIVIC_SPID_CLOCK_SKEW", "CIVIC_DEMO_IDP",
          "CIVIC_SPID_IPA_CODE", "CIVIC_SPID_ORGANIZATION_NAME", "CIVIC_SPID_ORGANIZATION_DISPLAY_NAME",
          "CIVIC_SPID_ORGANIZATION_URL", "CIVIC_SPID_CONTACT_EMAIL", "CIVIC_SPID_CONTACT_PHONE",
          "CIVIC_CIE_MUNICIPALITY", "CIVIC_CIE_PROVINCE", "CIVIC_SITE_NAME")


def _kept(app: Flask) -> dict:
    return app.extensions.setdefault(EXTENSION, {})


def _fingerprint(app: Flask, provider: Provider | None) -> tuple:
    # A file replaced by `spid fetch-idps` has a new time: the next sign-in reads it.
    files = tuple((path, os.path.getmtime(path)) for path in settings.metadata_files(provider, app)) \
        if provider else ()
    return (provider, *(str(app.config.get(name)) for name in INPUTS), files)


def organisation(app: Flask) -> Organisation:
    name = settings.value("CIVIC_SPID_ORGANIZATION_NAME", app)
    site = app.config["CIVIC_SITE_NAME"]
    return Organisation(
        name=name,
        display_name=app.config.get("CIVIC_SPID_ORGANIZATION_DISPLAY_NAME") or name,
        url=app.config.get("CIVIC_SPID_ORGANIZATION_URL") or app.config["CIVIC_BASE_URL"],
        service_name=f"{site} - {name}",
        ipa_code=settings.value("CIVIC_SPID_IPA_CODE", app),
        email=settings.value("CIVIC_SPID_CONTACT_EMAIL", app),
        phone=settings.value("CIVIC_SPID_CONTACT_PHONE", app),
        municipality=settings.value("CIVIC_CIE_MUNICIPALITY", app),
        province=settings.value("CIVIC_CIE_PROVINCE", app),
    )


def demo_idp(app: Flask | None = None) -> DemoIdentityProvider | None:
    """The demo identity provider, when CIVIC_DEMO_IDP turns it on (never in production)."""
    app = app or current_app
    if not app.config.get("CIVIC_DEMO_IDP") or settings.is_production(app):
        return None
    fingerprint = _fingerprint(app, None)
    with _lock:
        kept = _kept(app).get("demo")
        if kept is None or kept[0] != fingerprint:
            from civic.identity.demo_idp.server import DemoIdentityProvider, key_pair  # with pysaml2

            key_file, cert_file = key_pair(Path(app.instance_path) / "identity" / "demo-idp")
            kept = (fingerprint, DemoIdentityProvider(app.config["CIVIC_BASE_URL"], key_file, cert_file))
            _kept(app)["demo"] = kept
    return kept[1]


def service_provider(provider: Provider, app: Flask | None = None) -> ServiceProvider:
    """Civic's service provider for SPID or CIE, trusting the identity providers of the metadata folder
    (and the demo one when it is on)."""
    app = app or current_app
    fingerprint = _fingerprint(app, provider)
    with _lock:
        kept = _kept(app).get(provider)
        if kept is not None and kept[0] == fingerprint:
            return kept[1]
    demo = demo_idp(app)
    from civic.identity.saml import ServiceProvider  # pysaml2, on the first use of SPID or CIE

    built = ServiceProvider(
        provider, settings.Endpoints.of(provider, app), organisation(app),
        key_file=app.config["CIVIC_SPID_KEY_FILE"], cert_file=app.config["CIVIC_SPID_CERT_FILE"],
        metadata_files=settings.metadata_files(provider, app),
        inline_metadata=[demo.metadata()] if demo else [],
        skew_seconds=app.config["CIVIC_SPID_CLOCK_SKEW"])
    with _lock:
        _kept(app)[provider] = (fingerprint, built)
    return built
