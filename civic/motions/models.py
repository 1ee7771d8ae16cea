from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.dialects import postgresql  # noqa: F401  (registers to_tsvector's types before search_document)
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from civic.accounts.models import User
from civic.bodies.models import Body
from civic.census.eligibility import Audience, Rule, rule_of
from civic.consultations.models import Consultation, InvalidTransition
from civic.database import db, str_enum, utcnow

__all__ = ["InvalidTransition", "Motion", "MotionStatus", "VoteOption"]


class MotionStatus(enum.StrEnum):
    DRAFT = "draft"
    FILED = "filed"
    SCHEDULED = "scheduled"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    MotionStatus.DRAFT: _l("Draft"),
    MotionStatus.FILED: _l("Filed"),
    MotionStatus.SCHEDULED: _l("Scheduled for the council"),
    MotionStatus.APPROVED: _l("Approved"),
    MotionStatus.REJECTED: _l("Rejected"),
    MotionStatus.WITHDRAWN: _l("Withdrawn"),
}
PUBLIC_STATUSES = tuple(status for status in MotionStatus if status != MotionStatus.DRAFT)
DECIDED = (MotionStatus.APPROVED, MotionStatus.REJECTED)


class VoteOption(enum.StrEnum):
    """The Popolo vote options."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
    ABSENT = "absent"


# Column headings of the counts, and one person's vote in the roll call.
VOTE_LABELS = {
    VoteOption.YES: _l("Votes for"),
    VoteOption.NO: _l("Votes against"),
    VoteOption.ABSTAIN: _l("Abstentions"),
    VoteOption.ABSENT: _l("Absent"),
}
ROLL_CALL_LABELS = {
    VoteOption.YES: _l("in favour"),
    VoteOption.NO: _l("opposed"),
    VoteOption.ABSTAIN: _l("abstained"),
    VoteOption.ABSENT: _l("not present"),
}


def search_document(title, text):
    """The text PostgreSQL full-text search looks in; the GIN index below is built on exactly this
    expression."""
    return func.to_tsvector(literal_column("'italian'"), title + literal_column("' '") + text)


class MotionTopic(db.Model):
    __tablename__ = "motion_topics"

    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class MotionProposer(db.Model):
    """Who filed the motion: a councillor with an account (user_id) or a named person without one. The name is
    kept in both cases, as it was when the motion was filed."""

    __tablename__ = "motion_proposers"
    __table_args__ = (
        UniqueConstraint("motion_id", "position"),
        CheckConstraint("name <> ''", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    user: Mapped[User | None] = relationship()


class RollCallVote(db.Model):
    """One councillor's vote in the council's roll call on a motion."""

    __tablename__ = "motion_roll_call"
    __table_args__ = (UniqueConstraint("motion_id", "voter_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"), index=True)
    voter_name: Mapped[str] = mapped_column(String(120))
    option: Mapped[VoteOption] = mapped_column(str_enum(VoteOption, length=10))

    @property
    def option_label(self) -> str:
        return str(ROLL_CALL_LABELS[self.option])


class Milestone(db.Model):
    """Something done, or planned, after the vote (e.g. "working table with the city and the districts")."""

    __tablename__ = "motion_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"), index=True)
    # None: the date is not known yet ("to be defined").
    due_on: Mapped[dt.date | None]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MotionSupport(db.Model):
    """A citizen's support: at most one per person and motion, enforced by the database."""

    __tablename__ = "motion_supports"
    __table_args__ = (UniqueConstraint("motion_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Motion(db.Model):
    """A motion (mozione) in a body's council, with its lifecycle, the council's vote and the follow-up."""

    __tablename__ = "motions"

    # Which moves the lifecycle allows; anything else raises InvalidTransition.
    TRANSITIONS = {
        MotionStatus.DRAFT: {MotionStatus.FILED, MotionStatus.WITHDRAWN},
        MotionStatus.FILED: {MotionStatus.SCHEDULED, MotionStatus.APPROVED, MotionStatus.REJECTED,
                             MotionStatus.WITHDRAWN},
        MotionStatus.SCHEDULED: {MotionStatus.FILED, MotionStatus.APPROVED, MotionStatus.REJECTED,
                                 MotionStatus.WITHDRAWN},
        MotionStatus.APPROVED: set(),
        MotionStatus.REJECTED: set(),
        MotionStatus.WITHDRAWN: set(),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    # The council's own number, e.g. "12/2013"; unique within a body when given.
    identifier: Mapped[str | None] = mapped_column(String(60))
    filed_on: Mapped[dt.date | None] = mapped_column(index=True)
    scheduled_for: Mapped[dt.date | None]
    status: Mapped[MotionStatus] = mapped_column(str_enum(MotionStatus), default=MotionStatus.DRAFT,
                                                 index=True)
    # The council's vote; a count is None when it is not known (not "zero").
    voted_on: Mapped[dt.date | None] = mapped_column(index=True)
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstain: Mapped[int | None]
    votes_absent: Mapped[int | None]
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    withdrawn_on: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None]
    # Who may support it (civic.census.eligibility); a confirmed e-mail address unless the councillor says.
    audience: Mapped[Audience] = mapped_column(str_enum(Audience), default=Audience.CONFIRMED)
    audience_level: Mapped[int] = mapped_column(default=2)
    # Who may comment (civic.census.eligibility.Audience: confirmed, identity or resident; the least SPID/CIE
    # level for identity). Comments always need an account with a confirmed e-mail address.
    comment_audience: Mapped[str] = mapped_column(String(20), default="confirmed", server_default="confirmed")
    comment_audience_level: Mapped[int] = mapped_column(default=2, server_default="2")

    __table_args__ = (
        UniqueConstraint("body_id", "identifier"),
        Index("ix_motions_status_body", "status", "body_id"),
        # The public list's order (newest first by filing, else vote, date) and the home page's (newest
        # published): a page of 20 reads 20 index entries instead of sorting every motion.
        Index("ix_motions_listing_order", func.coalesce(filed_on.column, voted_on.column), id.column),
        Index("ix_motions_published", "published_at", "id"),
        CheckConstraint(
            "(votes_for IS NULL OR votes_for >= 0) AND (votes_against IS NULL OR votes_against >= 0) AND "
            "(votes_abstain IS NULL OR votes_abstain >= 0) AND (votes_absent IS NULL OR votes_absent >= 0)",
            name="counts_not_negative",
        ),
        CheckConstraint("voted_on IS NULL OR status IN ('approved', 'rejected')", name="vote_means_decided"),
        CheckConstraint("audience_level BETWEEN 1 AND 3", name="audience_level_is_spid_level"),
        Index("ix_motions_search", search_document(title.column, text.column),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    body: Mapped[Body] = relationship()
    consultation: Mapped[Consultation | None] = relationship()

    @property
    def rule(self) -> Rule:
        """Who may support it."""
        return rule_of(self.audience, self.audience_level, self.body_id, lambda: self.body)

    topic_rows: Mapped[list[MotionTopic]] = relationship(
        cascade="all, delete-orphan", order_by=MotionTopic.name
    )
    proposers: Mapped[list[MotionProposer]] = relationship(
        cascade="all, delete-orphan", order_by=MotionProposer.position
    )
    roll_call: Mapped[list[RollCallVote]] = relationship(
        cascade="all, delete-orphan", order_by=RollCallVote.voter_name
    )
    milestones: Mapped[list[Milestone]] = relationship(
        cascade="all, delete-orphan", order_by=(Milestone.due_on.is_(None), Milestone.due_on, Milestone.id)
    )

    topics: AssociationProxy[list[str]] = association_proxy(
        "topic_rows", "name", creator=lambda name: MotionTopic(name=name)
    )
    # Filled by the list queries with a SQL aggregate (None when a query did not ask for them).
    supports_count: Mapped[int | None] = query_expression()
    comments_count: Mapped[int | None] = query_expression()

    @property
    def is_public(self) -> bool:
        return self.status != MotionStatus.DRAFT

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED

    @property
    def counts(self) -> dict[VoteOption, int | None]:
        return {
            VoteOption.YES: self.votes_for,
            VoteOption.NO: self.votes_against,
            VoteOption.ABSTAIN: self.votes_abstain,
            VoteOption.ABSENT: self.votes_absent,
        }

    @property
    def counts_known(self) -> bool:
        return any(value is not None for value in self.counts.values())

    def can_move_to(self, target: MotionStatus) -> bool:
        return target in self.TRANSITIONS[self.status]

    def move_to(self, target: MotionStatus) -> None:
        if not self.can_move_to(target):
            raise InvalidTransition(f"{self.status} -> {target}")
        self.status = target
        if self.published_at is None and target != MotionStatus.DRAFT:
            self.published_at = utcnow()
