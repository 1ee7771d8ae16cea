"""The fiscal code (codice fiscale) of a person, as Civic keeps it: never in clear, only as a keyed hash."""
from __future__ import annotations

import hashlib
import hmac
import re

from codicefiscale import codicefiscale
from flask import current_app

from civic import config

# SPID and CIE send the fiscal number as an ETSI TIN: "TINIT-" then the Italian fiscal code.
TIN_PREFIX = "TINIT-"
# A person's fiscal code (16 characters, checked) or a provisional numeric one (11 digits).
PROVISIONAL = re.compile(r"^[0-9]{11}$")


class NotAFiscalCode(ValueError):
    """The value is not an Italian fiscal code."""


def normalise(fiscal_number: str) -> str:
    """The fiscal code in a fiscalNumber attribute ("TINIT-RSSMRA80A01H501U" or the code alone), upper-case,
    without spaces; NotAFiscalCode when its shape or its check character is wrong."""
    code = re.sub(r"\s+", "", fiscal_number or "").upper()
    code = code.removeprefix(TIN_PREFIX)
    if PROVISIONAL.match(code) or (len(code) == 16 and codicefiscale.is_valid(code)):
        return code
    raise NotAFiscalCode("not an Italian fiscal code")


def identity_key(app=None) -> bytes:
    """CIVIC_IDENTITY_KEY; in development, one generated into the instance folder."""
    app = app or current_app
    key = app.config.get("CIVIC_IDENTITY_KEY") or config.identity_key(app.instance_path)
    return key.encode()


def subject(fiscal_number: str) -> str:
    """HMAC-SHA256 of the normalised fiscal code under CIVIC_IDENTITY_KEY, in hex: the same person gives the
    same value through SPID and through CIE, and the value gives the fiscal code back to nobody without the
    key."""
    return hmac.new(identity_key(), normalise(fiscal_number).encode(), hashlib.sha256).hexdigest()
