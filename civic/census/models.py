"""A body's residents list (as keyed hashes only) and the verifications it makes.

An entry is HMAC-SHA256(census key, "person:" + subject), where subject is the identity's keyed hash of the
fiscal code (civic.identity.subjects): a SPID or CIE sign-in, which carries only the subject past the
identity provider's answer, can be matched with the list without the fiscal code ever being kept. The list
records which census key made it (`key_id`), so the key can change: lists under a retired key keep working
while that key is listed in CIVIC_CENSUS_OLD_KEYS, until they are loaded again (`flask census rekey`)."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.bodies.models import Body
from civic.database import db, str_enum, utcnow


class ListState(enum.StrEnum):
    LOADING = "loading"  # being written; never matched
    ACTIVE = "active"  # the body's list (at most one per body)


class Method(enum.StrEnum):
    IDENTITY = "identity"  # SPID or CIE sign-in matched with the list
    DECLARED = "declared"  # fiscal code and birth date typed in: a lower level


class CensusList(db.Model):
    """One loaded residents list of a body. A new load writes a new list and, in the same transaction,
    activates it and drops the old one: the old list answers until the new one is committed."""

    __tablename__ = "census_lists"
    __table_args__ = (
        Index("uq_census_lists_active_body", "body_id", unique=True,
              sqlite_where=text("state = 'active'"), postgresql_where=text("state = 'active'")),
        CheckConstraint("people >= 0", name="people_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    state: Mapped[ListState] = mapped_column(str_enum(ListState), default=ListState.LOADING)
    key_id: Mapped[str] = mapped_column(String(16))
    people: Mapped[int] = mapped_column(Integer, default=0)
    with_birth_dates: Mapped[bool] = mapped_column(Boolean, default=False)
    # Residents of this body are residents of the body above it too (a Municipio's list for its Comune).
    covers_parent: Mapped[bool] = mapped_column(Boolean, default=False)
    # People may verify themselves by typing their fiscal code and birth date (a lower level).
    allows_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    body: Mapped[Body] = relationship(lazy="joined", innerjoin=True)


class CensusEntry(db.Model):
    """One resident of a list: keyed hashes only, never the fiscal code."""

    __tablename__ = "census_entries"
    __table_args__ = ({"sqlite_with_rowid": False},)

    list_id: Mapped[int] = mapped_column(ForeignKey("census_lists.id", ondelete="CASCADE"), primary_key=True)
    person: Mapped[str] = mapped_column(String(64), primary_key=True)
    # HMAC(census key, "born:" + subject + birth date) when the list has birth dates.
    born: Mapped[str | None] = mapped_column(String(64))


class Verification(db.Model):
    """A person (an account) is a verified resident of a body until `expires_at`, unless revoked. One row per
    account and body: verifying again renews it."""

    __tablename__ = "census_verifications"
    __table_args__ = (
        UniqueConstraint("user_id", "body_id"),
        CheckConstraint("expires_at > verified_at", name="expires_after_verification"),
        CheckConstraint("level BETWEEN 0 AND 3", name="level_is_spid_level"),
        Index("ix_census_verifications_body_verified", "body_id", "verified_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"))
    method: Mapped[Method] = mapped_column(str_enum(Method))
    level: Mapped[int] = mapped_column(Integer)  # the SPID/CIE level it was proved at; 0 when declared
    verified_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    body: Mapped[Body] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    def valid(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class Voice(db.Model):
    """One person's voice in one thing (a motion's support, an interest call's declaration): the keyed hash of
    the person (civic.census.eligibility.voice) alone, with no account and no time, so it outlives the account
    and a person who deletes the account and signs up again still takes part once. The primary key is the
    rule, enforced by the database whatever the timing."""

    __tablename__ = "census_voices"
    __table_args__ = ({"sqlite_with_rowid": False},)

    activity: Mapped[str] = mapped_column(String(16), primary_key=True)
    target_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person: Mapped[str] = mapped_column(String(64), primary_key=True)
