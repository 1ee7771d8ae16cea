"""Password hashing with Argon2id (slow, salted). Unknown accounts cost the same time as known ones."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 128

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
