"""Writes about comments: validate, change, flush, return. Never commit."""
from __future__ import annotations

from flask_babel import gettext as _

from civic.accounts.models import User
from civic.audit.services import record
from civic.census import eligibility
from civic.comments import targets
from civic.comments.models import Comment, CommentReport
from civic.core.features import Happening, announce
from civic.core.writes import insert_once
from civic.database import db, utcnow


class CommentError(Exception):
    """A rule refused the comment; the message is for the user."""


def _about(comment: Comment) -> str:
    """What the audit log says about a comment: its target, never its text (it may hold personal data)."""
    return f"on {comment.target_kind} #{comment.target_id}"


def _target_body_id(comment: Comment) -> int | None:
    target = targets.target_of(comment)
    return target.body_id if target is not None else None


def comment_rule(target) -> eligibility.Rule:
    """Who may comment on a motion or a consultation: its councillors' choice (comment_audience), at least a
    confirmed e-mail address."""
    try:
        audience = eligibility.Audience(getattr(target, "comment_audience", None) or "confirmed")
    except ValueError:
        audience = eligibility.Audience.CONFIRMED
    if audience in (eligibility.Audience.ANYONE, eligibility.Audience.REGISTERED):
        audience = eligibility.Audience.CONFIRMED
    level = int(getattr(target, "comment_audience_level", None) or 2)
    return eligibility.rule_of(audience, level, target.body_id, lambda: target.body)


def add_comment(author: User, kind: str, target, text: str, reply_to: int | None = None) -> Comment:
    """A comment on a public thing of this kind (a motion, a consultation). A reply to a reply joins the
    thread of the top-level comment (one level of replies)."""
    if not target.is_public:
        raise CommentError(_("Comments are not open here."))
    # Who may comment: the thing's own choice (civic.census.eligibility), whatever the page showed.
    try:
        eligibility.require(comment_rule(target), author)
    except eligibility.NotEligible as error:
        raise CommentError(error.message) from error
    parent_id = None
    if reply_to:
        parent = db.session.get(Comment, reply_to)
        if parent is None or (parent.target_kind, parent.target_id) != (kind, target.id):
            raise CommentError(_("The comment you are replying to is no longer here."))
        parent_id = parent.parent_id or parent.id
    comment = Comment(author_id=author.id, text=text.strip(), parent_id=parent_id, target_kind=kind,
                      target_id=target.id)
    if not comment.text:
        raise CommentError(_("Write your comment."))
    db.session.add(comment)
    db.session.flush()
    if reply_to and parent.author_id not in (None, author.id):
        announce(Happening("comment.reply", kind, target.id, actor_id=author.id,
                           recipient_id=parent.author_id))
    return comment


def edit_comment(author: User, comment: Comment, text: str) -> None:
    """Its author corrects a comment, within 15 minutes of writing it."""
    if not comment.editable_by(author, utcnow()):
        raise CommentError(_("You can correct a comment only in the first 15 minutes after writing it."))
    if not text.strip():
        raise CommentError(_("Write your comment."))
    comment.text = text.strip()
    comment.edited_at = utcnow()
    db.session.flush()


def report_comment(user: User, comment: Comment) -> bool:
    """Report a comment to the moderators; False when this person had already reported it."""
    return insert_once(CommentReport, comment_id=comment.id, user_id=user.id, created_at=utcnow())


def hide_comment(moderator: User, comment: Comment) -> None:
    if comment.hidden_at is None:
        comment.hidden_at = utcnow()
        comment.hidden_by_id = moderator.id
        db.session.flush()
        record(moderator, "comment.hide", comment, _about(comment), body_id=_target_body_id(comment))


def unhide_comment(moderator: User, comment: Comment) -> None:
    if comment.hidden_at is not None:
        comment.hidden_at = None
        comment.hidden_by_id = None
        db.session.flush()
        record(moderator, "comment.unhide", comment, _about(comment), body_id=_target_body_id(comment))
