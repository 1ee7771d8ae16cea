"""Administration pages: accounts and roles, bodies, audit log. The /manage/admin prefix is admin-only
(see civic.accounts.auth.guard_manage_area)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.accounts import services as account_services
from civic.accounts.models import User
from civic.admin import queries
from civic.admin.forms import BodyForm, RoleForm, SecurityEventFilterForm, UserSearchForm
from civic.audit import queries as audit_queries
from civic.audit.queries import recent_entries, security_event_kinds
from civic.bodies import queries as body_queries
from civic.bodies import services as body_services
from civic.bodies.models import Body
from civic.core.pagination import paginate
from civic.core.timezone import rome_to_utc
from civic.database import db

bp = Blueprint("admin", __name__, url_prefix="/manage/admin")


def _body_choices(blank: str | None = None) -> list[tuple[int, str]]:
    choices = [(b.id, b.full_name) for b in db.session.scalars(body_queries.all_bodies())]
    return ([(0, blank)] if blank else []) + choices


@bp.get("/")
def dashboard():
    return redirect(url_for("admin.list_users"))


@bp.get("/users")
def list_users():
    search = UserSearchForm(request.args)
    query = queries.users(search.q.data if search.validate() else None)
    return render_template("admin/users.html", page=paginate(query), search=search)


@bp.route("/users/<int:user_id>/roles", methods=["GET", "POST"])
def edit_roles(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    form.body.choices = _body_choices(blank=_("— choose —"))
    status = 200
    if form.validate_on_submit():
        action = request.form.get("action", "grant")
        try:
            if form.role.data == "admin":
                account_services.set_admin(current_user, user, action == "grant")
            else:
                body = db.session.get(Body, form.body.data or 0)
                if body is None:
                    raise account_services.AccountError(_("Choose the body the councillor belongs to."))
                if action == "grant":
                    account_services.grant_councillor(current_user, user, body)
                else:
                    account_services.revoke_councillor(current_user, user, body)
        except account_services.AccountError as error:
            db.session.rollback()
            flash(str(error), "danger")
            status = 422
        else:
            db.session.commit()
            flash(_("Roles of %(name)s updated.", name=user.display_name), "success")
            return redirect(url_for("admin.edit_roles", user_id=user.id))
    return render_template("admin/roles.html", user=user, form=form), (422 if form.errors else status)


@bp.get("/bodies")
def list_bodies():
    return render_template("admin/bodies.html", bodies=db.session.scalars(body_queries.all_bodies()).all())


@bp.route("/bodies/new", methods=["GET", "POST"])
def create_body():
    form = BodyForm()
    form.parent.choices = _body_choices(blank=_("— none —"))
    if form.validate_on_submit():
        try:
            body = body_services.create_body(
                current_user, form.name.data, form.slug.data, data_licence=form.data_licence.data,
                parent_id=form.parent.data or None, website=form.website.data or None)
        except body_services.BodyError as error:
            db.session.rollback()
            (form[error.field].errors if error.field else form.form_errors).append(str(error))
        else:
            db.session.commit()
            flash(_("Body %(name)s created.", name=body.name), "success")
            return redirect(url_for("admin.list_bodies"))
    return render_template("admin/body_form.html", form=form), (200 if not form.errors else 422)


@bp.get("/audit")
def audit_log():
    return render_template("admin/audit.html", page=paginate(recent_entries(), per_page=50))


@bp.get("/security")
def security_events():
    """Security events (sign-ins, lockouts, resets, role changes, refused pages...), filtered by kind, account
    and dates (Europe/Rome), newest first."""
    form = SecurityEventFilterForm(request.args)
    known = db.session.scalars(security_event_kinds()).all()
    form.kind.choices = [("", _("All kinds"))] + [(kind, kind) for kind in known]
    if request.args.get("kind") and request.args["kind"] not in known:
        form.kind.choices.append((request.args["kind"], request.args["kind"]))
    filters: dict = {}
    status = 200
    if request.args and not form.validate():
        status = 422
        query = None
        for date in (form.start, form.end):
            if date.data is None:
                date.raw_data = None  # what could not be read as a date is not put back in a date field
    else:
        if form.person.data:
            user = account_services.find_by_email(form.person.data)
            filters["user_id"] = user.id if user is not None else -1
        filters["kind"] = form.kind.data or None
        if form.start.data:
            filters["start"] = rome_to_utc(dt.datetime.combine(form.start.data, dt.time()))
        if form.end.data:
            filters["end"] = rome_to_utc(dt.datetime.combine(form.end.data + dt.timedelta(days=1), dt.time()))
        query = audit_queries.security_events(**filters)
    page = paginate(query, per_page=50) if query is not None else None
    return render_template("admin/security.html", form=form, page=page), status


