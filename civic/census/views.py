"""Census pages: /census/verify (a person verifies their residence and goes back where they were) and
/manage/admin/census (administrators load residents lists and revoke verifications). Thin: parse, call
civic.census.services, commit once, render or redirect."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.accounts.auth import safe_next
from civic.bodies import queries as body_queries
from civic.bodies.models import Body
from civic.census import queries, services
from civic.census.forms import DeclarationForm, UploadForm
from civic.census.models import Verification
from civic.core.forms import EmptyForm
from civic.core.pagination import paginate
from civic.database import db, utcnow
from civic.extensions import limiter
from civic.identity import current

bp = Blueprint("census", __name__)


def _next() -> str:
    return safe_next(request.values.get("next")) or url_for("accounts.profile")


def _body() -> Body | None:
    return db.session.get(Body, request.values.get("body", type=int) or 0)


def _check_limit() -> str:
    return current_app.config["CIVIC_LIMIT_CENSUS_CHECK"]


def _verify_page(body: Body | None, form: DeclarationForm, status: int = 200):
    census = db.session.scalar(queries.active_list(body.id)) if body is not None else None
    verification = db.session.scalar(queries.valid_verification(current_user.id, body.id, utcnow())) \
        if body is not None else None
    return render_template("census/verify.html", body=body, census=census, verification=verification,
                           signed_in=current.signed_in_with(), form=form, identity_form=EmptyForm(),
                           next_url=_next()), status


@bp.get("/census/verify")
@login_required
def verify():
    return _verify_page(_body(), DeclarationForm(formdata=None))


@bp.post("/census/verify/identity")
@login_required
def verify_identity():
    """Match the SPID/CIE identity of this login session with the residents lists."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    signed_in = current.signed_in_with()
    body = _body()
    if signed_in is None:
        flash(_("Sign in with SPID or CIE first: your residence is checked with the identity it proves."),
              "warning")
        return redirect(url_for("census.verify", body=body.id if body else None, next=_next()))
    made = services.verify_by_identity(current_user, signed_in.subject, signed_in.level)
    db.session.commit()
    if body is not None and not any(v.body_id == body.id for v in made):
        flash(_("%(body)s's residents list does not include you. If you live there, ask the registry "
                "office (anagrafe).", body=body.name), "warning")
        return redirect(url_for("census.verify", body=body.id, next=_next()))
    if not made:
        flash(_("No residents list includes you."), "warning")
        return redirect(url_for("census.verify", next=_next()))
    names = ", ".join(v.body.name for v in made)
    flash(_("Your residence is verified: %(bodies)s.", bodies=names), "success")
    return redirect(_next())


@bp.post("/census/verify/declaration")
@login_required
@limiter.limit(_check_limit, key_func=lambda: f"census-check:{current_user.get_id()}")
def verify_declaration():
    """The weaker check: fiscal code and birth date typed in."""
    body = _body()
    if body is None:
        abort(404)
    form = DeclarationForm()
    if not form.validate_on_submit():
        return _verify_page(body, form, 422)
    try:
        services.verify_by_declaration(current_user, body, form.fiscal_code.data, form.birth_date.data)
    except services.CensusError as error:
        db.session.rollback()
        form.fiscal_code.errors = [error.message]
        return _verify_page(body, form, 422)
    db.session.commit()
    flash(_("Your residence in %(body)s is verified (typed-in check).", body=body.name), "success")
    return redirect(_next())


# --- administration ---------------------------------------------------------------------------------------


def _upload_form() -> UploadForm:
    form = UploadForm()
    form.body.choices = [(0, _("— choose —"))] + [
        (b.id, b.full_name) for b in db.session.scalars(body_queries.all_bodies())]
    return form


def _admin_page(form: UploadForm, status: int = 200):
    lists = db.session.scalars(queries.active_lists()).all()
    _current_id, _key = services.keys.current()
    return render_template("census/admin.html", form=form, lists=lists, current_key=_current_id,
                           page=paginate(queries.verifications_for_admin()), revoke_form=EmptyForm(),
                           now=utcnow()), status


@bp.get("/manage/admin/census")
def admin():
    return _admin_page(_upload_form())


@bp.post("/manage/admin/census")
def upload():
    form = _upload_form()
    if not form.validate_on_submit():
        return _admin_page(form, 422)
    body = db.session.get(Body, form.body.data)
    if body is None:
        form.body.errors = [_("Choose a body.")]
        return _admin_page(form, 422)
    text = io.TextIOWrapper(form.file.data.stream, encoding="utf-8-sig", errors="strict", newline="")
    try:
        loaded = services.load(current_user, body, text, covers_parent=form.covers_parent.data,
                               allows_declared=form.allows_declared.data)
    except (services.CensusError, UnicodeDecodeError) as error:
        db.session.rollback()
        form.file.errors = [error.message if isinstance(error, services.CensusError)
                            else _("The file is not UTF-8 text: save it as CSV UTF-8.")]
        return _admin_page(form, 422)
    db.session.commit()
    flash(_("The residents list of %(body)s is in use: %(people)d people.", body=body.name,
            people=loaded.people), "success")
    return redirect(url_for("census.admin"))


@bp.post("/manage/admin/census/verifications/<int:verification_id>/revoke")
def revoke(verification_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    verification = db.get_or_404(Verification, verification_id)
    try:
        services.revoke(current_user, verification)
    except services.CensusError as error:
        db.session.rollback()
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(_("Verification revoked."), "success")
    return redirect(url_for("census.admin"))


def allow_large_lists() -> None:
    """Before the form is read (CSRF included): the list upload may be larger than any other form."""
    if request.method == "POST" and request.path == "/manage/admin/census":
        request.max_content_length = current_app.config["CIVIC_CENSUS_MAX_UPLOAD_MB"] * 1024 * 1024
