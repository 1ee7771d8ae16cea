"""Comment pages: write, reply, correct, report; moderation under /manage/admin/comments (admins only, by the
central guard). The thread itself is shown on the page of what it is about (civic.comments.threads)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from civic.accounts.auth import confirmed_required
from civic.census import eligibility
from civic.comments import queries, services, targets, threads
from civic.comments.forms import CommentForm
from civic.comments.models import Comment
from civic.core.forms import EmptyForm
from civic.core.pagination import paginate
from civic.database import db, utcnow
from civic.extensions import limiter

bp = Blueprint("comments", __name__)
# The slots of a thread (templates/comments/_actions.html, _form.html), rendered for each reader.
for _global in (threads.comment_refusal_of, threads.comment_box, threads.comment_editable):
    bp.add_app_template_global(_global)


def _limit_key() -> str:
    # Per person when logged in, so people behind one address (a library, a school) do not share a limit.
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


comment_limit = limiter.limit(lambda: current_app.config["CIVIC_LIMIT_COMMENT"], methods=["POST"],
                              key_func=_limit_key)


def _public_target(kind: str, target_id: int):
    target = db.session.get(targets.commentable(kind).model, target_id)
    if target is None or not target.is_public:
        abort(404)
    return target


def _target_of(comment: Comment):
    return comment.target_kind, _public_target(comment.target_kind, comment.target_id)


@bp.route("/comments/<kind>/<int:target_id>/new", methods=["GET", "POST"])
@confirmed_required
@comment_limit
def add_comment(kind: str, target_id: int):
    target = _public_target(kind, target_id)
    rule = services.comment_rule(target)
    refusal = eligibility.refusal(rule, current_user)
    if refusal in ("identity", "resident") and request.method == "GET":
        flash(eligibility.refusal_message(refusal, rule), "warning")
        return redirect(eligibility.way(refusal, rule, request.full_path)[1])
    form = CommentForm()
    if request.method == "GET":
        form.reply_to.data = request.args.get("reply_to", "")
    if form.validate_on_submit():
        try:
            comment = services.add_comment(current_user, kind, target, form.text.data,
                                           int(form.reply_to.data or 0))
        except services.CommentError as error:
            form.text.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Your comment is published."), "success")
            return redirect(targets.url_of(kind, target, f"comment-{comment.id}"))
    reply_to = form.reply_to.data or ""
    parent = db.session.get(Comment, int(reply_to)) if reply_to.isdigit() else None
    if parent is not None and (parent.target_kind, parent.target_id) != (kind, target.id):
        parent = None
    return render_template("comments/form.html", form=form, kind=kind, target=target, parent=parent,
                           back=targets.url_of(kind, target, "comments")), (422 if form.errors else 200)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
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
            return redirect(targets.url_of(kind, target, f"comment-{comment.id}"))
    return render_template("comments/form.html", form=form, kind=kind, target=target, comment=comment,
                           back=targets.url_of(kind, target, f"comment-{comment.id}")), \
        (422 if form.errors else 200)


@bp.post("/comments/<int:comment_id>/report")
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
    return redirect(targets.url_of(kind, target, f"comment-{comment.id}"))


@bp.get("/manage/admin/comments")
def moderate_comments():
    page = paginate(queries.moderation_queue())
    return render_template("comments/moderate.html", page=page, targets=targets.targets_of(page.items),
                           url_of=targets.url_of)


@bp.post("/manage/admin/comments/<int:comment_id>/<any(hide, unhide):action>")
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
