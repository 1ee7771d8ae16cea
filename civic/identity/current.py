"""The read API the rest of the platform uses: how the person of this request signed in."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_login import current_user

from civic.database import db
from civic.identity import queries
from civic.identity.models import Provider


@dataclass(frozen=True)
class SignedIn:
    """The digital identity behind the current login session: its provider and the level it was proved at."""

    provider: Provider
    level: int
    subject: str  # the keyed hash of the fiscal code


def signed_in_with() -> SignedIn | None:
    """How the current login session was opened through SPID or CIE, or None (anonymous, or a password
    log-in, even of an account with a linked identity: the level belongs to the session). One query per
    request at most."""
    if "civic_identity_login" in g:
        return g.civic_identity_login
    found = None
    if current_user.is_authenticated and current_user.session_digest:
        login = db.session.scalar(queries.login_of_session(current_user.session_digest))
        if login is not None:
            identity = db.session.get(queries.Identity, login.identity_id)
            found = SignedIn(login.provider, login.level, identity.subject)
    g.civic_identity_login = found
    return found


def level_at_least(level: int) -> bool:
    """Whether the current session was opened through SPID or CIE at `level` or higher."""
    found = signed_in_with()
    return found is not None and found.level >= level
