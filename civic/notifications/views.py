"""Follow buttons, the person's notifications and preferences, and the one-click unsubscribe of e-mails."""
from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.accounts.auth import safe_next
from civic.core.forms import EmptyForm
from civic.core.pagination import paginate
from civic.database import db
from civic.extensions import csrf
from civic.notifications import queries, services
from civic.notifications.forms import DELIVERY_LABELS, field_name, preferences_form
from civic.notifications.models import Delivery

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def _back(target: str, target_id: int):
    followable = services.followables().get(target)
    thing = db.session.get(followable.model, target_id) if followable else None
    if thing is None:
        abort(404)
    return redirect(safe_next(request.form.get("next")) or followable.url(thing))


@bp.post("/follow/<target>/<int:target_id>")
@login_required
def follow(target: str, target_id: int):
    if EmptyForm().validate_on_submit():
        try:
            services.follow(current_user, target, target_id)
        except services.NotificationError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("You follow it now: you will be told what changes."), "success")
    return _back(target, target_id)


@bp.post("/unfollow/<target>/<int:target_id>")
@login_required
def unfollow(target: str, target_id: int):
    if EmptyForm().validate_on_submit():
        services.unfollow(current_user, target, target_id)
        db.session.commit()
        flash(_("You no longer follow it."), "info")
    if request.form.get("from") == "preferences":
        return redirect(url_for("notifications.preferences", _anchor="follows"))
    return _back(target, target_id)


@bp.get("/")
@login_required
def inbox():
    page = paginate(queries.notifications_of(current_user.id),
                    count_query=queries.count_notifications(current_user.id))
    return render_template("notifications/inbox.html", page=page, kinds=services.kinds())


@bp.post("/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    if EmptyForm().validate_on_submit():
        services.mark_read(current_user, notification_id)
        db.session.commit()
    return redirect(url_for("notifications.inbox", page=request.args.get("page", type=int)))


@bp.post("/read")
@login_required
def mark_all_read():
    if EmptyForm().validate_on_submit():
        services.mark_read(current_user)
        db.session.commit()
        flash(_("Every notification is marked as read."), "info")
    return redirect(url_for("notifications.inbox"))


def _followed() -> list[dict]:
    """What the person follows with its title and address: one query per kind of followable thing."""
    rows = db.session.execute(queries.follows_of(current_user.id)).all()
    wanted = defaultdict(list)
    for row in rows:
        wanted[row.target].append(row.target_id)
    found = {}
    for target, ids in wanted.items():
        followable = services.followables().get(target)
        if followable is not None:
            for thing in db.session.scalars(db.select(followable.model).where(followable.model.id.in_(ids))):
                found[(target, thing.id)] = (followable, thing)
    return [{"target": row.target, "target_id": row.target_id, "label": found[key][0].label,
             "title": found[key][1].title, "url": found[key][0].url(found[key][1])}
            for row in rows if (key := (row.target, row.target_id)) in found]


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    kinds = list(services.kinds().values())
    current = queries.deliveries(current_user.id, [kind.key for kind in kinds])
    form = preferences_form(kinds, current, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        services.set_preferences(current_user, {
            kind.key: Delivery(form[field_name(kind.key)].data) for kind in kinds})
        db.session.commit()
        flash(_("Your notification preferences are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    fields = [form[field_name(kind.key)] for kind in kinds]
    return render_template("notifications/preferences.html", form=form, fields=fields, followed=_followed(),
                           labels=DELIVERY_LABELS), 422 if form.errors else 200


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs without a session; the signed token is the authority
def unsubscribe(token: str):
    user_id = services.user_id_of(token)
    kind = services.kinds().get(request.args.get("kind", ""))
    if user_id is None:
        return render_template("notifications/unsubscribe.html", invalid=True, kind=kind), 404
    if request.method == "POST":
        services.unsubscribe(user_id, kind.key if kind else None)
        db.session.commit()
        return render_template("notifications/unsubscribe.html", done=True, kind=kind)
    return render_template("notifications/unsubscribe.html", kind=kind, token=token)
