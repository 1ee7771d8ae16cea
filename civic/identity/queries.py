"""Reads about digital identities. The rest of the platform asks civic.identity.current for the level and
provider of the person's current login session."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, select

from civic.identity.models import Identity, IdentityLogin, RequestKind, RequestState, SamlRequest


def identity_of_user(user_id: int) -> Select:
    """The identity linked to an account (at most one)."""
    return select(Identity).where(Identity.user_id == user_id)


def subject_of_user(user_id: int):
    """The keyed hash of the fiscal code of the identity linked to an account, as a scalar subquery (NULL
    without one), to read beside other facts about the person in one query."""
    return select(Identity.subject).where(Identity.user_id == user_id).limit(1).scalar_subquery()


def identity_with_subject(subject: str) -> Select:
    """The identity of a person, by the keyed hash of the fiscal code (at most one)."""
    return select(Identity).where(Identity.subject == subject)


def login_of_session(session_hash: str) -> Select:
    """How a login session was opened through SPID or CIE (none for a password log-in)."""
    return select(IdentityLogin).where(IdentityLogin.session_hash == session_hash)


def sessions_of_name_id(idp: str, name_id: str) -> Select:
    """The login sessions an identity provider's transient NameID opened (what its LogoutRequest ends)."""
    return select(IdentityLogin.session_hash).where(IdentityLogin.idp_entity_id == idp,
                                                    IdentityLogin.name_id == name_id)


def pending_request(relay_hash: str, kind: RequestKind, state: RequestState, now: dt.datetime) -> Select:
    """A request still waiting, by the hash of its RelayState (or of its completion token)."""
    return select(SamlRequest).where(SamlRequest.relay_hash == relay_hash, SamlRequest.kind == kind,
                                     SamlRequest.state == state, SamlRequest.expires_at > now)
