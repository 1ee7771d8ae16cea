from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint, exists, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts import tokens
from civic.bodies.models import Body
from civic.database import db, utcnow


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    COUNCILLOR = "councillor"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    email_confirmed_at: Mapped[dt.datetime | None]
    privacy_accepted_at: Mapped[dt.datetime]
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    councillorships: Mapped[list[Councillorship]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="Councillorship.user_id"
    )

    # Set by the user loader: the token of the login session this request runs in (not a column).
    auth_token = None
    # Set by start_session(): whether the session just started is a "keep me logged in" one.
    session_remembered = False

    def get_id(self) -> str | None:
        return self.auth_token

    @property
    def session_digest(self) -> str | None:
        """The token hash of the login session this request runs in, as the database keeps it."""
        return tokens.digest(self.auth_token) if self.auth_token else None

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @hybrid_property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @is_confirmed.inplace.expression
    @classmethod
    def _is_confirmed(cls):
        return cls.email_confirmed_at.is_not(None)

    @property
    def body_ids(self) -> frozenset[int]:
        """The bodies this person is a councillor of."""
        return frozenset(c.body_id for c in self.councillorships)

    @hybrid_property
    def is_councillor(self) -> bool:
        return bool(self.councillorships)

    @is_councillor.inplace.expression
    @classmethod
    def _is_councillor(cls):
        return exists().where(Councillorship.user_id == cls.id)

    @property
    def roles(self) -> list[Role]:
        roles = [Role.CITIZEN]
        if self.is_councillor:
            roles.append(Role.COUNCILLOR)
        if self.is_admin:
            roles.append(Role.ADMIN)
        return roles

    def can_manage(self, body_id: int | None) -> bool:
        """Admins manage every body; councillors only their own. Deny by default."""
        if not self.is_active:
            return False
        if self.is_admin:
            return True
        return body_id is not None and body_id in self.body_ids

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Councillorship(db.Model):
    """The councillor role, always tied to one body."""

    __tablename__ = "councillorships"
    __table_args__ = (UniqueConstraint("user_id", "body_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="councillorships", foreign_keys=[user_id])
    body: Mapped[Body] = relationship()


class AuthSession(db.Model):
    """A server-side login session. The cookie carries a random token whose hash is the key here, so logging
    out (or changing the password) kills the cookie even if someone kept a copy of it."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The absolute end: no activity extends it (the idle end is in the signed cookie, civic.accounts.auth).
    expires_at: Mapped[dt.datetime]
    # "Keep me logged in": a cookie that outlives the browser, and no idle end.
    remember: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    user: Mapped[User] = relationship()


class SignInThrottle(db.Model):
    """Failed sign-ins of one address, whatever the client: after a few, each new attempt waits longer (ASVS
    2.2.1). Keyed by a keyed hash of the address, so unknown addresses are throttled alike and not kept."""

    __tablename__ = "sign_in_throttles"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[dt.datetime]
    blocked_until: Mapped[dt.datetime | None]
    owner_told_at: Mapped[dt.datetime | None]


class PasswordResetToken(db.Model):
    """A single-use password reset link. Only the newest one of a user is kept."""

    __tablename__ = "password_reset_tokens"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_creation"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship()
