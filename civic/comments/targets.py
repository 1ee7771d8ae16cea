"""What can be commented on: the Commentable declarations of the installed features (civic/core/features.py),
and the things a list of comments is about, read with one query per kind."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask import abort

from civic.comments import queries
from civic.comments.models import Comment
from civic.core import features
from civic.core.features import Commentable
from civic.database import db


def commentables() -> dict[str, Commentable]:
    return {commentable.kind: commentable for commentable in features.each("commentable")}


def commentable(kind: str) -> Commentable:
    """The declaration of `kind`, or 404 (an address naming something nobody comments on)."""
    found = commentables().get(kind)
    if found is None:
        abort(404)
    return found


def target_of(comment: Comment):
    """The thing a comment is about (None when it no longer exists)."""
    found = commentables().get(comment.target_kind)
    return db.session.get(found.model, comment.target_id) if found else None


def url_of(kind: str, target, anchor: str | None = None) -> str:
    return commentable(kind).url(target, anchor)


def targets_of(comments: Iterable[Comment]) -> dict[tuple[str, int], object]:
    """(kind, id) -> the thing, for every comment of a page: one query per kind, whatever the number of
    comments."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for comment in comments:
        wanted[comment.target_kind].add(comment.target_id)
    found = {}
    declared = commentables()
    for kind, ids in wanted.items():
        if kind in declared:
            for target in db.session.scalars(queries.targets(declared[kind].model, sorted(ids))):
                found[(kind, target.id)] = target
    return found
