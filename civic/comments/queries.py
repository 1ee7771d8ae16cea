"""Reads about comments."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload, with_expression

from civic.comments.models import Comment, CommentReport


def thread(kind: str, target_id: int) -> Select[tuple[Comment]]:
    """The top-level comments on one thing, oldest first, with their replies and authors (for pagination: the
    same number of queries whatever the number of comments)."""
    return (
        select(Comment)
        .where(Comment.target_kind == kind, Comment.target_id == target_id, Comment.parent_id.is_(None))
        .options(joinedload(Comment.author), selectinload(Comment.replies).joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )


def visible_count(kind: str, target_id_column):
    """Visible comments and replies on each row of a listing of `kind` (a correlated scalar subquery)."""
    return (
        select(func.count(Comment.id))
        .where(Comment.target_kind == kind, Comment.target_id == target_id_column,
               Comment.hidden_at.is_(None))
        .scalar_subquery()
    )


def reports_count():
    return (select(func.count(CommentReport.id)).where(CommentReport.comment_id == Comment.id)
            .scalar_subquery())


def waiting_reports_count() -> Select:
    """How many reported comments are still shown: what waits for a moderator's look."""
    return (select(func.count(Comment.id))
            .where(Comment.id.in_(select(CommentReport.comment_id)), Comment.hidden_at.is_(None)))


def moderation_queue() -> Select[tuple[Comment]]:
    """Reported or hidden comments, the most recently reported first, with their authors and report counts."""
    last_report = (select(func.max(CommentReport.created_at)).where(CommentReport.comment_id == Comment.id)
                   .scalar_subquery())
    reported = select(CommentReport.comment_id)
    return (
        select(Comment)
        .where(or_(Comment.id.in_(reported), Comment.hidden_at.is_not(None)))
        .options(joinedload(Comment.author), with_expression(Comment.reports_count, reports_count()))
        .order_by(last_report.desc().nulls_last(), Comment.id.desc())
    )


def targets(model, ids: Sequence[int]) -> Select:
    """The things of one kind with these ids (to show what a page of comments is about)."""
    return select(model).where(model.id.in_(ids))


def of_person(user_id: int, commentables: Sequence) -> Select:
    """The person's comments with what they are about (kind, id and title, whatever feature it belongs to);
    never who hid one."""
    titles = []
    query = select(Comment.id, Comment.text, Comment.created_at, Comment.edited_at, Comment.hidden_at,
                   Comment.parent_id, Comment.target_kind, Comment.target_id)
    for commentable in commentables:
        target = aliased(commentable.model)
        query = query.outerjoin(target, and_(Comment.target_kind == commentable.kind,
                                             target.id == Comment.target_id))
        titles.append(target.title)
    title = func.coalesce(*titles) if len(titles) > 1 else titles[0] if titles else None
    if title is not None:
        query = query.add_columns(title.label("target_title"))
    return query.where(Comment.author_id == user_id).order_by(Comment.created_at, Comment.id)
