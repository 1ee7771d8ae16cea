"""Digital identities (SPID, CIE) and the short-lived state of their SAML exchanges.

The fiscal code is never stored: only HMAC-SHA256(CIVIC_IDENTITY_KEY, normalised fiscal code), the `subject`.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.database import db, str_enum, utcnow


class Provider(enum.StrEnum):
    SPID = "spid"
    CIE = "cie"


class Identity(db.Model):
    """A person proved by SPID or CIE, tied to one account. One row per person: the same person signing in
    with SPID and with CIE has the same fiscal code, so the same subject; the row keeps the last provider,
    level and identity provider used."""

    __tablename__ = "identities"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 3", name="level_is_spid_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    subject: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider, 10))
    level: Mapped[int]
    idp_entity_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class IdentityLogin(db.Model):
    """How one login session (accounts' AuthSession) was opened through SPID or CIE: the level of this very
    session, and what single logout needs (the transient NameID the identity provider gave). Ends with the
    session."""

    __tablename__ = "identity_logins"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 3", name="level_is_spid_level"),)

    session_hash: Mapped[str] = mapped_column(
        ForeignKey("auth_sessions.token_hash", ondelete="CASCADE"), primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id", ondelete="CASCADE"), index=True)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider, 10))
    level: Mapped[int]
    idp_entity_id: Mapped[str] = mapped_column(String(255))
    name_id: Mapped[str] = mapped_column(String(255), index=True)
    name_qualifier: Mapped[str] = mapped_column(String(255))
    session_index: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RequestKind(enum.StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"


class RequestState(enum.StrEnum):
    SENT = "sent"  # waiting for the identity provider's answer
    VERIFIED = "verified"  # a valid answer came; the browser that started it finishes it


class SamlRequest(db.Model):
    """A request sent to an identity provider, keyed by the hash of its opaque, single-use RelayState: the
    answer comes as a cross-site POST that carries no session cookie. After a valid answer it holds the
    verified person until the browser that asked (its `browser` hash) comes to finish, for a few minutes."""

    __tablename__ = "saml_requests"
    __table_args__ = (CheckConstraint("level BETWEEN 0 AND 3", name="level_is_spid_level"),
                      CheckConstraint("expires_at > created_at", name="expires_after_creation"))

    relay_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind, 10))
    state: Mapped[RequestState] = mapped_column(str_enum(RequestState, 10), default=RequestState.SENT)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider, 10))
    request_id: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime]
    idp_entity_id: Mapped[str] = mapped_column(String(255))
    level: Mapped[int]
    browser: Mapped[str] = mapped_column(String(64))
    next_url: Mapped[str | None] = mapped_column(String(500))
    # Filled by a valid answer; the fiscal code itself is never kept, only its keyed hash.
    subject: Mapped[str | None] = mapped_column(String(64))
    verified_level: Mapped[int | None]
    name_id: Mapped[str | None] = mapped_column(String(255))
    name_qualifier: Mapped[str | None] = mapped_column(String(255))
    session_index: Mapped[str | None] = mapped_column(String(255))
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class SeenAssertion(db.Model):
    """Assertions already accepted (identity provider and assertion id, hashed), kept until they expire: the
    same assertion is never accepted twice."""

    __tablename__ = "saml_seen_assertions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
