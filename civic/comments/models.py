from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from civic.accounts.models import User
from civic.database import db, utcnow

MAX_LENGTH = 2000
EDIT_WINDOW = dt.timedelta(minutes=15)


class Comment(db.Model):
    """A citizen's plain-text comment on something commentable: a motion, a consultation, whatever a
    feature declares (civic.core.features.Commentable), named by its kind and id. A reply has a parent, and
    that parent is always a top-level comment of the same thing: one level of replies."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("text <> ''", name="text_not_empty"),
        CheckConstraint("target_kind <> ''", name="target_kind_not_empty"),
        Index("ix_comments_thread", "target_kind", "target_id", "parent_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the target's table belongs to the feature that declares it commentable, and comments
    # know no feature. Commentable things are never deleted (motions, consultations), only unpublished.
    target_kind: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    # SET NULL: when a citizen deletes the account, the replies of others to it stay readable.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[dt.datetime | None]
    hidden_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    replies: Mapped[list[Comment]] = relationship(order_by=lambda: (Comment.created_at, Comment.id))
    # Filled by the moderation query with a SQL aggregate.
    reports_count: Mapped[int | None] = query_expression()

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def editable_by(self, user, now: dt.datetime) -> bool:
        return editable(self.author_id, self.is_hidden, self.created_at, user, now)


def editable(author_id: int | None, hidden: bool, created_at: dt.datetime, user, now: dt.datetime) -> bool:
    """Its author may correct a comment during the first 15 minutes, unless a moderator has hidden it."""
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and author_id == user.id
        and not hidden
        and now - created_at <= EDIT_WINDOW
    )


class CommentReport(db.Model):
    """A person's report of a comment to the moderators; one per person and comment."""

    __tablename__ = "comment_reports"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
