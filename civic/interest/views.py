"""Interest call pages: the call and one's own declaration (/interest/<id>), the public summary, the
councillors' dashboard and contact export, and the councillors' area under /manage/interest/."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, stream_with_context, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from civic.accounts.auth import require_manager_of
from civic.census import eligibility
from civic.census.eligibility import Audience
from civic.consultations.models import Consultation
from civic.core import spreadsheets
from civic.core.forms import EmptyForm
from civic.core.pagecache import public_page
from civic.core.pagination import paginate
from civic.database import db, utcnow
from civic.interest import queries, results, services
from civic.interest.forms import CallForm, DeclarationForm, parse_areas
from civic.interest.models import (
    BUDGET_LABELS,
    CALL_ROLE_LABELS,
    HORIZON_LABELS,
    NEED_LABELS,
    PROFILE_LABELS,
    ROLE_LABELS,
    InterestCall,
)

bp = Blueprint("interest", __name__)

EXPORT_BATCH = 500  # declarations fetched per round trip


def _can_manage(call: InterestCall) -> bool:
    return current_user.is_authenticated and current_user.can_manage(call.body_id)


def _visible_call(call_id: int) -> InterestCall:
    """The call, or 404 when it does not exist or its consultation is a draft the reader may not manage."""
    call = db.session.scalar(queries.call_by_id(call_id))
    if call is None or not (call.is_public or _can_manage(call)):
        abort(404)
    return call


def _managed_call(call_id: int) -> InterestCall:
    """The call, or 404; 403 unless the current user manages its body."""
    call = db.session.scalar(queries.call_by_id(call_id))
    if call is None:
        abort(404)
    require_manager_of(call.body_id)
    return call


# --- the call and one's own declaration ---------------------------------------------------------------------


def _own_declaration(call: InterestCall):
    if not current_user.is_authenticated:
        return None
    return db.session.scalar(queries.own_declaration(call.id, current_user.id))


def _render_call(call: InterestCall, form: DeclarationForm | None = None, status: int = 200,
                 error: str | None = None):
    now = utcnow()
    declaration = _own_declaration(call)
    rule = call.rule
    refusal = eligibility.refusal(rule, current_user)
    can_declare = current_user.is_authenticated and refusal is None and call.is_open(now)
    if can_declare and form is None:
        form = DeclarationForm().setup(call)
        if declaration is not None:
            form.fill(declaration)
    return render_template(
        "interest/show.html", call=call, declaration=declaration, form=form if can_declare else None,
        is_open=call.is_open(now), now=now, rule=rule, refusal=refusal,
        way=eligibility.way(refusal, rule, url_for("interest.show_call", call_id=call.id)),
        can_manage=_can_manage(call), error=error, call_role_label=CALL_ROLE_LABELS[call.asks_for],
        role_labels=ROLE_LABELS, profile_labels=PROFILE_LABELS, need_labels=NEED_LABELS,
        budget_labels=BUDGET_LABELS, horizon_labels=HORIZON_LABELS,
    ), status


@bp.get("/interest/")
@public_page
def list_calls():
    return render_template("interest/list.html", page=paginate(queries.public_calls()), now=utcnow())


@bp.get("/interest/<int:call_id>")
@public_page
def show_call(call_id: int):
    return _render_call(_visible_call(call_id))


@bp.post("/interest/<int:call_id>")
@login_required
def declare(call_id: int):
    call = _visible_call(call_id)
    if eligibility.refusal(call.rule, current_user) == "confirm":
        return eligibility.confirm_first()
    try:
        services.check_can_change(call, utcnow())
    except services.InterestError as error:
        return _render_call(call, status=409, error=str(error))
    form = DeclarationForm().setup(call)
    if not form.validate_on_submit():
        return _render_call(call, form, 422)
    existed = _own_declaration(call)
    renewed = existed is not None and not existed.is_withdrawn
    try:
        services.save_declaration(call, current_user, form.data_for_service(), utcnow())
    except services.InterestError as error:
        db.session.rollback()
        return _render_call(call, status=409, error=str(error))
    db.session.commit()
    flash(_("Your declaration has been updated.") if renewed else
          _("Thank you: your declaration of interest has been recorded."), "success")
    return redirect(url_for("interest.show_call", call_id=call.id, _anchor="your-declaration"), 303)


@bp.post("/interest/<int:call_id>/withdraw")
@login_required
def withdraw(call_id: int):
    call = _visible_call(call_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw_declaration(call, current_user, utcnow())
    except services.InterestError as error:
        db.session.rollback()
        return _render_call(call, status=409, error=str(error))
    db.session.commit()
    flash(_("Your declaration has been withdrawn: it no longer counts and you will not be contacted."),
          "info")
    return redirect(url_for("interest.show_call", call_id=call.id, _anchor="your-declaration"), 303)


@bp.get("/interest/<int:call_id>/summary")
def summary(call_id: int):
    call = _visible_call(call_id)
    return render_template("interest/summary.html", call=call, summary=results.public_summary(call))


# --- the councillors' dashboard and contact list ------------------------------------------------------------


@bp.get("/interest/<int:call_id>/results")
@login_required
def show_results(call_id: int):
    call = _managed_call(call_id)
    return render_template("interest/results.html", call=call, demand=results.demand(call),
                           managers=paginate(queries.consenting_managers(call.id)),
                           profile_labels=PROFILE_LABELS)


@bp.get("/interest/<int:call_id>/managers.csv")
@login_required
def export_managers(call_id: int):
    call = _managed_call(call_id)
    header = [_("Name"), _("E-mail address"), _("Profile"), _("Sector"), _("Experience"), _("Offer"),
              _("Last changed")]

    def rows():
        query = queries.consenting_managers(call.id).execution_options(yield_per=EXPORT_BATCH)
        for declaration in db.session.scalars(query):
            yield (declaration.user.display_name, declaration.user.email,
                   str(PROFILE_LABELS[declaration.profile]),  # lazy: translated in the request's language
                   declaration.sector, declaration.manager_experience, declaration.manager_offer,
                   format_datetime(declaration.updated_at, "yyyy-MM-dd HH:mm"))

    chunks = spreadsheets.spreadsheet_csv(header, rows())
    filename = f"interest-{call.id}-managers.csv"
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


# --- councillors' area --------------------------------------------------------------------------------------


@bp.get("/manage/interest/")
def manage_calls():
    return render_template("interest/manage/list.html", page=paginate(queries.managed_calls(current_user)),
                           now=utcnow(), form=EmptyForm())


def _consultation_choices(form: CallForm) -> bool:
    consultations = db.session.scalars(queries.managed_consultations(current_user)).all()
    form.consultation.choices = [(c.id, f"{c.title} ({c.body.name})") for c in consultations]
    return bool(consultations)


def _call_data(form: CallForm) -> services.CallData:
    return services.CallData(title=form.title.data, description=form.description.data or "",
                             asks_for=form.asks_for.data, areas=parse_areas(form.areas.data),
                             opens_at=form.opens_at.data, closes_at=form.closes_at.data,
                             **form.eligibility())


def _save_call(form: CallForm, call: InterestCall | None):
    """Validate and save; returns the call, or None when the form must be shown again."""
    if not form.validate_on_submit():
        return None
    consultation = db.session.get(Consultation, form.consultation.data)
    require_manager_of(consultation.body_id if consultation else None)
    try:
        if call is None:
            call = services.create_call(current_user, consultation, _call_data(form))
        else:
            call = services.update_call(current_user, call, consultation, _call_data(form))
    except services.InterestError as error:
        db.session.rollback()
        form.areas.errors.append(str(error))
        return None
    db.session.commit()
    return call


@bp.route("/manage/interest/new", methods=["GET", "POST"])
def create_call():
    form = CallForm()
    if not form.is_submitted():
        form.audience.data = Audience.CONFIRMED.value  # declarations have asked for a confirmed address
    if not _consultation_choices(form):
        flash(_("Create a consultation first: every call for interest belongs to one."), "info")
        return redirect(url_for("interest.manage_calls"))
    call = _save_call(form, None)
    if call is not None:
        flash(_("Call “%(title)s” created.", title=call.title), "success")
        return redirect(url_for("interest.manage_calls"), 303)
    return render_template("interest/manage/form.html", form=form, call=None), (422 if form.errors else 200)


@bp.route("/manage/interest/<int:call_id>/edit", methods=["GET", "POST"])
def edit_call(call_id: int):
    call = _managed_call(call_id)
    form = CallForm()
    _consultation_choices(form)
    if not form.is_submitted():
        form.fill(call)
    saved = _save_call(form, call)
    if saved is not None:
        flash(_("Call “%(title)s” saved.", title=saved.title), "success")
        return redirect(url_for("interest.manage_calls"), 303)
    return render_template("interest/manage/form.html", form=form, call=call), (422 if form.errors else 200)


STATE_CHANGES = {
    "open": (services.open_call, _l("Call “%(title)s” is open.")),
    "close": (services.close_call, _l("Call “%(title)s” is closed.")),
}


@bp.post("/manage/interest/<int:call_id>/<any(open, close):action>")
def change_call_state(call_id: int, action: str):
    """Open or close a call now."""
    call = _managed_call(call_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    change, message = STATE_CHANGES[action]
    try:
        change(current_user, call, utcnow())
    except services.InterestError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(str(message) % {"title": call.title}, "success")
    return redirect(url_for("interest.manage_calls"), 303)
