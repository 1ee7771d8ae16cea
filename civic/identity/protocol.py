"""The plain values that pass between Civic and its SAML layer (civic.identity.saml, on pysaml2), importable
without pysaml2: what the metadata says of the organisation, a signed request on its way, what a valid answer
says of the person, and where xmlsec1 is."""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass


def xmlsec_binary() -> str:
    """Debian's xmlsec1 (apt-get install xmlsec1)."""
    return shutil.which("xmlsec1") or "/usr/bin/xmlsec1"


@dataclass(frozen=True)
class Organisation:
    """Who runs the service, as the metadata says it (Avviso SPID n. 29 v3 for public bodies)."""

    name: str
    display_name: str
    url: str
    service_name: str
    ipa_code: str
    email: str
    phone: str
    municipality: str
    province: str


@dataclass(frozen=True)
class OutgoingRequest:
    """A signed request on its way to an identity provider: by an auto-submitted form (HTTP-POST binding) or
    by a redirect (HTTP-Redirect binding, signed query string)."""

    request_id: str
    issued_at: dt.datetime
    destination: str
    relay_state: str
    saml_request: str | None = None  # HTTP-POST: the base64 form field
    location: str | None = None  # HTTP-Redirect: where to send the browser


@dataclass(frozen=True)
class Verified:
    """What a valid answer says about the person."""

    idp: str
    level: int
    name_id: str
    name_qualifier: str
    session_index: str | None
    attributes: dict
    assertion_id: str
    expires_at: dt.datetime  # the assertion's Conditions/@NotOnOrAfter
