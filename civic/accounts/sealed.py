"""What the server processes share of a signed-in citizen (civic/accounts/people.py), sealed with their own
login session: the name it is kept under and its key both come from the session token with the secret key
(HMAC-SHA512), and the database keeps only a hash of that token. So the shelf (civic/core/shelf.py: files in
the instance folder, or Redis) holds nothing anyone can read, or tell whose it is, without the citizen's
session cookie; a value changed or moved to another name fails to open (AES-GCM, bound to its name) and is
read again from the database.

The values are plain: None, booleans, numbers, strings, datetimes, tuples, frozensets and dicts of those.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

PURPOSE = b"civic-shelved-person:"


class Sealer:
    """The shelf's name and key of one login session token."""

    def __init__(self, token: str):
        material = hmac.new(str(current_app.config["SECRET_KEY"]).encode(), PURPOSE + token.encode(),
                            hashlib.sha512).digest()
        self._key = AESGCM(material[:32])
        self.name = material[32:].hex()

    def seal(self, value) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._key.encrypt(nonce, json.dumps(_plain(value), separators=(",", ":")).encode(),
                                         self.name.encode())

    def open(self, sealed: bytes | None):
        """The value, or None when there is none or it does not open (another key, changed, cut short)."""
        if not sealed or len(sealed) < 28:
            return None
        try:
            return _back(json.loads(self._key.decrypt(sealed[:12], sealed[12:], self.name.encode())))
        except (InvalidTag, ValueError, KeyError, TypeError):
            return None


class NotPlain(TypeError):
    """A value the shelf cannot hold (it is then left to each process)."""


def _plain(value):
    # Exact types: a subclass (an enum of strings, a database row that is a tuple) would come back as its
    # base type, so it is not plain.
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if kind is dt.datetime:
        return {"d": value.isoformat()}
    if kind is tuple:
        return {"t": [_plain(item) for item in value]}
    if kind is frozenset:
        return {"f": [_plain(item) for item in value]}
    if kind is dict:
        return {"m": [[_plain(key), _plain(item)] for key, item in value.items()]}
    raise NotPlain(kind.__name__)


def _back(value):
    if not isinstance(value, dict):
        return value
    ((tag, inner),) = value.items()
    if tag == "d":
        return dt.datetime.fromisoformat(inner)
    if tag == "t":
        return tuple(_back(item) for item in inner)
    if tag == "f":
        return frozenset(_back(item) for item in inner)
    if tag == "m":
        return {_back(key): _back(item) for key, item in inner}
    raise ValueError(tag)


def plain(value) -> bool:
    """Whether the shelf can hold `value`."""
    try:
        _plain(value)
    except NotPlain:
        return False
    return True
