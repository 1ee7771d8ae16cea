"""The census key and the keyed hashes made with it. Nothing here logs or returns a fiscal code."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from flask import current_app

from civic import config
from civic.identity import subjects

# A fiscal code's shape, letters for digits included (omocodia); the check character is tested apart.
DIGIT = "[0-9LMNPQRSTUV]"
SHAPE = re.compile(rf"^[A-Z]{{6}}{DIGIT}{{2}}[ABCDEHLMPRST]{DIGIT}{{2}}[A-Z]{DIGIT}{{3}}[A-Z]$")
_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3,
                 6, 8, 12, 14, 16, 10, 22, 25, 24, 23), strict=True))
_EVEN = {**{str(digit): digit for digit in range(10)}, **{chr(65 + n): n for n in range(26)}}


def fiscal_code(text: str) -> str | None:
    """The fiscal code in a cell of a residents list (upper-cased, spaces removed) when its shape and check
    character are right, else None. The same rule as python-codicefiscale's, a hundred times faster, for
    lists of hundreds of thousands of rows."""
    code = (text or "").strip().upper()
    if len(code) != 16:
        code = re.sub(r"\s+", "", code)
    if not SHAPE.match(code):
        return None
    return code if check_character(code[:15]) == code[15] else None


def check_character(first: str) -> str:
    """The 16th character of a fiscal code, from its first 15."""
    total = sum(_ODD[char] if index % 2 == 0 else _EVEN[char] for index, char in enumerate(first))
    return chr(65 + total % 26)


def birth_date(text: str) -> dt.date | None:
    """A birth date as lists write it: 1985-02-14 or 14/02/1985."""
    text = (text or "").strip()
    if len(text) == 10 and text[4] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def current(app=None) -> tuple[str, bytes]:
    """(key id, key) of CIVIC_CENSUS_KEY; in development, a key generated into the instance folder."""
    app = app or current_app
    key = (app.config.get("CIVIC_CENSUS_KEY") or config.census_key(app.instance_path)).encode()
    return key_id(key), key


def key_id(key: bytes) -> str:
    """A short name of a key that tells keys apart and says nothing about the key."""
    return hashlib.sha256(b"civic-census-key-id:" + key).hexdigest()[:12]


def by_id(wanted: str, app=None) -> bytes | None:
    """The current key or a retired one still accepted (CIVIC_CENSUS_OLD_KEYS) with this id, or None."""
    app = app or current_app
    found_id, key = current(app)
    if found_id == wanted:
        return key
    for old in app.config.get("CIVIC_CENSUS_OLD_KEYS") or ():
        if key_id(old.encode()) == wanted:
            return old.encode()
    return None


def subject_of(code: str, identity_key: bytes) -> str:
    """The identity's keyed hash of a valid fiscal code (civic.identity.subjects.subject, without checking
    the code again)."""
    return hmac.digest(identity_key, code.encode(), "sha256").hex()


def person(key: bytes, subject: str) -> str:
    """What a list keeps of a resident."""
    return hmac.digest(key, b"person:" + subject.encode(), "sha256").hex()


def born(key: bytes, subject: str, day: dt.date) -> str:
    """What a list keeps of a resident's birth date, bound to the person."""
    return hmac.digest(key, f"born:{subject}:{day.isoformat()}".encode(), "sha256").hex()


def identity_key() -> bytes:
    return subjects.identity_key()
