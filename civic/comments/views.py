"""Comment pages: write, reply, correct, report; moderation under /manage/admin/comments (admins only, by the
central guard). The thread itself is shown on the motion and consultation pages through thread_context()."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from civic.accounts.auth import confirmed_required
from civic.accounts.forms import EmptyForm
from civic.comments import queries, services
from civic.comments.forms import CommentForm
from civic.comments.models import Comment
from civic.consultations.models import Consultation
from civic.consultations.urls import ROW_ID
from civic.core.pagecache import Lazy
from civic.core.pagination import paginate
from civic.database import db, utcnow
from civic.extensions import limiter
from civic.motions.models import Motion

bp = Blueprint("comments", __name__)

TARGETS = {"motion": (Motion, Comment.motion_id), "consultation": (Consultation, Comment.consultation_id)}


def _limit_key() -> str:
    # Per person when logged in, so people behind one address (a library, a school) do not share a limit.
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


comment_limit = limiter.limit(lambda: current_app.config["CIVIC_LIMIT_COMMENT"], methods=["POST"],
                              key_func=_limit_key)


def target_url(kind: str, target, anchor: str | None = None) -> str:
    if kind == "motion":
        return url_for("motions.show_motion", motion_id=target.id, _anchor=anchor)
    return url_for("consultations.show_consultation", slug=target.slug, _anchor=anchor)


def thread_context(kind: str, target) -> dict:
    """What templates/comments/_thread.html needs for a target: a page of comments with their replies (the same
    number of queries whatever the number of comments) and an empty form."""
    return {
        "comments": paginate(queries.thread(TARGETS[kind][1], target.id)),
        "comment_form": Lazy(lambda: CommentForm(formdata=None)),
        "comment_kind": kind,
        "comment_target": target,
        "now": utcnow(),
    }


def _public_target(kind: str, target_id: int):
    target = db.session.get(TARGETS[kind][0], target_id)
    if target is None or not target.is_public:
        abort(404)
    return target


def _target_of(comment: Comment):
    kind, target_id = services.target_of(comment)
    return kind, _public_target(kind, target_id)


@bp.route(f"/comments/<any(motion, consultation):kind>/<{ROW_ID}:target_id>/new", methods=["GET", "POST"])
@confirmed_required
@comment_limit
def add_comment(kind: str, target_id: int):
    target = _public_target(kind, target_id)
    form = CommentForm()
    if request.method == "GET":
        form.reply_to.data = request.args.get("reply_to", "")
    if form.validate_on_submit():
        try:
            comment = services.add_comment(current_user, target, form.text.data, int(form.reply_to.data or 0))
        except services.CommentError as error:
            form.text.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Your comment is published."), "success")
            return redirect(target_url(kind, target, f"comment-{comment.id}"))
    parent = db.session.get(Comment, int(form.reply_to.data)) if (form.reply_to.data or "").isdigit() else None
    if parent is not None and services.target_of(parent) != (kind, target.id):
        parent = None
    return render_template("comments/form.html", form=form, kind=kind, target=target, parent=parent,
                           back=target_url(kind, target, "comments")), (422 if form.errors else 200)


@bp.route(f"/comments/<{ROW_ID}:comment_id>/edit", methods=["GET", "POST"])
@confirmed_required
@comment_limit
def edit_comment(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    kind, target = _target_of(comment)
    if not comment.editable_by(current_user, utcnow()):
        abort(403)
    form = CommentForm(obj=comment)
    if form.validate_on_submit():
        try:
            services.edit_comment(current_user, comment, form.text.data)
        except services.CommentError as error:
            form.text.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Your comment is updated."), "success")
            return redirect(target_url(kind, target, f"comment-{comment.id}"))
    return render_template("comments/form.html", form=form, kind=kind, target=target, comment=comment,
                           back=target_url(kind, target, f"comment-{comment.id}")), (422 if form.errors else 200)


@bp.post(f"/comments/<{ROW_ID}:comment_id>/report")
@confirmed_required
def report_comment(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    kind, target = _target_of(comment)
    if EmptyForm().validate_on_submit():
        if services.report_comment(current_user, comment):
            flash(_("Thank you: the moderators will read the comment."), "success")
        else:
            flash(_("You have already reported this comment."), "info")
        db.session.commit()
    return redirect(target_url(kind, target, f"comment-{comment.id}"))


@bp.get("/manage/admin/comments")
def moderate_comments():
    return render_template("comments/moderate.html", page=paginate(queries.moderation_queue()),
                           target_url=target_url)


@bp.post(f"/manage/admin/comments/<{ROW_ID}:comment_id>/<any(hide, unhide):action>")
def change_visibility(comment_id: int, action: str):
    comment = db.get_or_404(Comment, comment_id)
    if EmptyForm().validate_on_submit():
        if action == "hide":
            services.hide_comment(current_user, comment)
            flash(_("The comment is hidden."), "success")
        else:
            services.unhide_comment(current_user, comment)
            flash(_("The comment is visible again."), "success")
        db.session.commit()
    return redirect(url_for("comments.moderate_comments", page=request.args.get("page", type=int)))
