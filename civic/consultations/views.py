"""Consultation pages: the public list and page, and the councillors' area under /manage/consultations/."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from civic.accounts.auth import require_manager_of
from civic.bodies import queries as body_queries
from civic.consultations import queries, services
from civic.consultations.forms import ConsultationFilterForm, ConsultationForm, PhaseForm
from civic.consultations.models import Consultation, ConsultationPhase
from civic.consultations.timeline import TimelineEvent, in_order
from civic.core import features, sections
from civic.core.forms import EmptyForm
from civic.core.pagecache import public_page
from civic.core.pagination import paginate
from civic.core.timezone import local_today
from civic.database import db

bp = Blueprint("consultations", __name__)


def can_manage(body_id: int) -> bool:
    return current_user.is_authenticated and current_user.can_manage(body_id)


def body_choices(blank: str | None = None) -> list[tuple[int, str]]:
    """The bodies the current user may publish for, as select choices."""
    choices = [(body.id, body.full_name) for body in db.session.scalars(queries.managed_bodies(current_user))]
    return ([(0, blank)] if blank else []) + choices


# --- public ---------------------------------------------------------------------------------------------


@bp.get("/consultations/")
@public_page(personal=True)
def list_consultations():
    form = ConsultationFilterForm(request.args)
    form.body.choices = [(0, _("All bodies"))] + [
        (body.id, body.full_name) for body in db.session.scalars(body_queries.all_bodies())
    ]
    form.topic.choices = [("", _("All topics"))] + [
        (t, t) for t in db.session.scalars(queries.public_topics())
    ]
    form.validate()
    query = queries.public_consultations(
        body_id=None if form.body.errors else form.body.data,
        status=None if form.status.errors else form.status.data,
        topic=None if form.topic.errors else form.topic.data,
    )
    return render_template("consultations/list.html", form=form, page=paginate(query))


def _phase_events(consultation: Consultation, today) -> list[TimelineEvent]:
    return [
        TimelineEvent(phase.starts_on, _("Phase: %(name)s", name=phase.name), "phase",
                      planned=phase.starts_on > today)
        for phase in consultation.phases
    ]


@bp.get("/consultations/<slug>/")
@public_page(keys=lambda slug: ("meetings", "motions"), personal=True)
def show_consultation(slug: str):
    consultation = db.session.scalar(queries.consultation_by_slug(slug))
    if consultation is None or not (consultation.is_public or can_manage(consultation.body_id)):
        abort(404)
    today = local_today()
    timeline = _phase_events(consultation, today)
    shown = []
    # Each feature's section (civic.core.features), in the features' order; their dates join the timeline.
    for section, context in sections.load("consultation", consultation, current_user):
        timeline.extend(context.get("timeline", []))
        shown.append(sections.render(section, context))
    return render_template("consultations/show.html", consultation=consultation, sections=shown,
                           current_phase=consultation.current_phase(today), timeline=in_order(timeline),
                           can_manage=can_manage(consultation.body_id))


@bp.get("/manage/consultations/<slug>/dashboard")
def dashboard(slug: str):
    """Who took part (each person once, whatever they did) and each feature's figures."""
    consultation = db.session.scalar(queries.consultation_for_dashboard(slug))
    if consultation is None:
        abort(404)
    require_manager_of(consultation.body_id)
    people = [participants(consultation.id) for participants in features.each("participants")]
    return render_template("consultations/dashboard.html", consultation=consultation,
                           people=db.session.scalar(queries.people_taking_part(people)),
                           sections=sections.render_sections("dashboard", consultation))


# --- councillors' area ----------------------------------------------------------------------------------


def _managed(consultation_id: int) -> Consultation:
    """The consultation, or 404; 403 unless the current user manages its body."""
    consultation = db.session.scalar(queries.consultation_by_id(consultation_id))
    if consultation is None:
        abort(404)
    require_manager_of(consultation.body_id)
    return consultation


def _managed_phase(consultation: Consultation, phase_id: int) -> ConsultationPhase:
    phase = db.session.get(ConsultationPhase, phase_id)
    if phase is None or phase.consultation_id != consultation.id:
        abort(404)
    return phase


@bp.get("/manage/consultations/")
def manage_consultations():
    return render_template("consultations/manage/list.html",
                           page=paginate(queries.managed_consultations(current_user)))


def _save(form: ConsultationForm, consultation: Consultation | None):
    """Validate and save; returns the consultation, or None when the form must be shown again."""
    if not form.validate_on_submit():
        return None
    require_manager_of(form.body_id.data)
    try:
        saved = services.save_consultation(
            current_user, consultation, body_id=form.body_id.data, title=form.title.data, slug=form.slug.data,
            summary=form.summary.data or "", description=form.description.data or "", topics=form.topics.data,
            opens_on=form.opens_on.data, closes_on=form.closes_on.data,
            comment_audience=form.comment_audience.data,
            comment_audience_level=form.comment_audience_level.data,
        )
    except services.ConsultationError as error:
        db.session.rollback()
        form[error.field].errors.append(str(error))
        return None
    db.session.commit()
    return saved


@bp.route("/manage/consultations/new", methods=["GET", "POST"])
def create_consultation():
    form = ConsultationForm()
    form.body_id.choices = body_choices()
    consultation = _save(form, None)
    if consultation is not None:
        flash(_("Consultation created as a draft: add its phases, then publish it."), "success")
        return redirect(url_for("consultations.edit_consultation", consultation_id=consultation.id))
    return render_template("consultations/manage/form.html", form=form, consultation=None), \
        (422 if form.errors else 200)


@bp.route("/manage/consultations/<int:consultation_id>/", methods=["GET", "POST"])
def edit_consultation(consultation_id: int):
    consultation = _managed(consultation_id)
    form = ConsultationForm(obj=consultation)
    form.body_id.choices = body_choices()
    if _save(form, consultation) is not None:
        flash(_("Changes saved."), "success")
        return redirect(url_for("consultations.edit_consultation", consultation_id=consultation.id))
    return render_template("consultations/manage/form.html", form=form, consultation=consultation,
                           actions=services.available_actions(consultation),
                           current_phase=consultation.current_phase(local_today())), \
        (422 if form.errors else 200)


STATUS_MESSAGES = {
    "publish": _l("The consultation is published."),
    "reopen": _l("The consultation is open again."),
    "close": _l("The consultation is closed."),
    "archive": _l("The consultation is archived."),
}


@bp.post("/manage/consultations/<int:consultation_id>/<any(publish, reopen, close, archive):action>")
def change_status(consultation_id: int, action: str):
    consultation = _managed(consultation_id)
    if EmptyForm().validate_on_submit():
        try:
            services.change_status(current_user, consultation, action)
        except services.ConsultationError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(str(STATUS_MESSAGES[action]), "success")
    return redirect(url_for("consultations.edit_consultation", consultation_id=consultation.id))


def _phase_form(consultation: Consultation, phase: ConsultationPhase | None):
    form = PhaseForm(obj=phase)
    if form.validate_on_submit():
        services.save_phase(current_user, consultation, phase, name=form.name.data,
                            starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                            description=form.description.data or "")
        db.session.commit()
        flash(_("Phase saved."), "success")
        return redirect(url_for("consultations.edit_consultation", consultation_id=consultation.id,
                                _anchor="phases"))
    return render_template("consultations/manage/phase_form.html", form=form, consultation=consultation,
                           phase=phase), (422 if form.errors else 200)


@bp.route("/manage/consultations/<int:consultation_id>/phases/new", methods=["GET", "POST"])
def add_phase(consultation_id: int):
    return _phase_form(_managed(consultation_id), None)


@bp.route("/manage/consultations/<int:consultation_id>/phases/<int:phase_id>/",
          methods=["GET", "POST"])
def edit_phase(consultation_id: int, phase_id: int):
    consultation = _managed(consultation_id)
    return _phase_form(consultation, _managed_phase(consultation, phase_id))


@bp.post("/manage/consultations/<int:consultation_id>/phases/<int:phase_id>/<any(delete, up):action>")
def change_phase(consultation_id: int, phase_id: int, action: str):
    consultation = _managed(consultation_id)
    phase = _managed_phase(consultation, phase_id)
    if EmptyForm().validate_on_submit():
        if action == "delete":
            services.delete_phase(current_user, consultation, phase)
            flash(_("Phase deleted."), "success")
        else:
            services.move_phase_up(current_user, consultation, phase)
        db.session.commit()
    return redirect(url_for("consultations.edit_consultation", consultation_id=consultation.id,
                            _anchor="phases"))
