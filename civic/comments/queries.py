"""Reads about comments."""
from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload, with_expression

from civic.comments.models import Comment, CommentReport


def thread(target_column, target_id: int) -> Select[tuple[Comment]]:
    """The top-level comments on a motion or consultation, oldest first, with their replies and authors (for
    pagination: the same number of queries whatever the number of comments)."""
    return (
        select(Comment)
        .where(target_column == target_id, Comment.parent_id.is_(None))
        .options(joinedload(Comment.author), selectinload(Comment.replies).joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )


def reports_count():
    return select(func.count(CommentReport.id)).where(CommentReport.comment_id == Comment.id).scalar_subquery()


def moderation_queue() -> Select[tuple[Comment]]:
    """Reported or hidden comments, the most recently reported first, with what they are about."""
    last_report = (
        select(func.max(CommentReport.created_at)).where(CommentReport.comment_id == Comment.id).scalar_subquery()
    )
    reported = select(CommentReport.comment_id)
    return (
        select(Comment)
        .where(or_(Comment.id.in_(reported), Comment.hidden_at.is_not(None)))
        .options(
            joinedload(Comment.author),
            joinedload(Comment.motion),
            joinedload(Comment.consultation),
            with_expression(Comment.reports_count, reports_count()),
        )
        .order_by(last_report.desc().nulls_last(), Comment.id.desc())
    )

