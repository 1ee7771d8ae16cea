"""A thread of comments as the page of the thing it belongs to shows it (templates/comments/_thread.html)."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from civic.census import eligibility
from civic.census.eligibility import Audience
from civic.comments import queries, services
from civic.comments.forms import CommentForm
from civic.comments.models import editable
from civic.core.lru import LRU
from civic.core.pagination import paginate
from civic.core.slots import csrf_input
from civic.database import utcnow


def thread_context(kind: str, target) -> dict:
    """A page of top-level comments with their replies (the same number of queries whatever the number of
    comments). What the reader may do with them, and the box to write one, are slots (civic/core/slots.py):
    templates/comments/_actions.html and _form.html."""
    return {
        "comment_rule": services.comment_rule(target),
        "comments": paginate(queries.thread(kind, target.id)),
        "comment_kind": kind,
        "comment_target": target,
        "now": utcnow(),
    }


def comment_refusal_of(rule) -> tuple[str | None, tuple[str, str] | None]:
    """(why the signed-in, confirmed visitor may not comment under `rule`, where to go to meet it): a query
    or two, only for a rule that asks for an identity or residence."""
    if rule.audience not in (Audience.IDENTITY, Audience.RESIDENT) or not current_user.is_authenticated \
            or not current_user.is_confirmed:
        return None, None
    refusal = eligibility.refusal(rule, current_user)
    return refusal, eligibility.way(refusal, rule, request.path) if refusal else None


# The comment boxes this process rendered: (kind, thing id, language) -> the HTML with a mark for the token.
_boxes = LRU(256)
_TOKEN_MARK = "\x00civic-comment-token\x00"


def comment_box(kind: str, target_id: int) -> Markup:
    """The form to write a comment as a citizen who may comment gets it: the same for all of them but the
    CSRF token, so it is rendered once per process, thing and language, and given the reader's token."""
    key = (kind, target_id, str(get_locale()))
    html = _boxes.get(key)
    if html is None:
        html = render_template("comments/_box.html", kind=kind, target_id=target_id,
                               comment_form=CommentForm(formdata=None, meta={"csrf": False}),
                               token_field=Markup(_TOKEN_MARK))
        _boxes.put(key, html)
    return Markup(html.replace(_TOKEN_MARK, str(csrf_input())))


def comment_editable(author_id: int | None, created_at) -> bool:
    """Whether the visitor may still correct their comment (Comment.editable_by, from plain values)."""
    return editable(author_id, False, created_at, current_user, utcnow())  # slots of hidden ones have none


def consultation_thread(consultation, viewer) -> dict | None:
    """The comments section of a consultation page: only once the consultation is public."""
    return thread_context("consultation", consultation) if consultation.is_public else None
