"""A thread of comments as the page of the thing it belongs to shows it (templates/comments/_thread.html)."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from civic.census import eligibility
from civic.census.eligibility import Audience
from civic.comments import queries, services
from civic.comments.forms import CommentForm
from civic.core.pagecache import Lazy
from civic.core.pagination import paginate
from civic.database import utcnow


def thread_context(kind: str, target) -> dict:
    """A page of top-level comments with their replies (the same number of queries whatever the number of
    comments) and an empty form, made only if the page shows it."""
    rule = services.comment_rule(target)
    refusal = None
    if rule.audience in (Audience.IDENTITY, Audience.RESIDENT) and current_user.is_authenticated \
            and current_user.is_confirmed:
        refusal = eligibility.refusal(rule, current_user)  # a query or two, only for such a rule
    return {
        "comment_rule": rule,
        "comment_refusal": refusal,
        "comment_way": eligibility.way(refusal, rule, request.path) if refusal else None,
        "comments": paginate(queries.thread(kind, target.id)),
        "comment_form": Lazy(lambda: CommentForm(formdata=None)),
        "comment_kind": kind,
        "comment_target": target,
        "now": utcnow(),
    }


def consultation_thread(consultation, viewer) -> dict | None:
    """The comments section of a consultation page: only once the consultation is public."""
    return thread_context("consultation", consultation) if consultation.is_public else None
