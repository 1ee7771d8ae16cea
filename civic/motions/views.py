"""Motion pages: the public list, page and Popolo JSON, support buttons, and the councillors' area under
/manage/motions/."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from civic.accounts.auth import require_manager_of
from civic.bodies import queries as body_queries
from civic.census import eligibility
from civic.census.eligibility import Audience
from civic.comments.threads import thread_context
from civic.consultations.views import body_choices, can_manage
from civic.core.forms import EmptyForm
from civic.core.pagecache import public_page, remembered
from civic.core.pagination import paginate
from civic.database import db
from civic.motions import popolo, queries, services
from civic.motions.forms import (
    MilestoneForm,
    MotionFilterForm,
    MotionForm,
    ScheduleForm,
    VoteForm,
    named_people,
    parse_roll_call,
)
from civic.motions.models import PUBLIC_STATUSES, STATUS_LABELS, VOTE_LABELS, Milestone, Motion, MotionStatus
from civic.motions.story import motion_story

bp = Blueprint("motions", __name__)


# --- public ---------------------------------------------------------------------------------------------


def _filtered_motions():
    """The filter form, the query it selects and its count (invalid filters are shown as errors and
    ignored)."""
    form = MotionFilterForm(request.args)
    form.body.choices = [(0, _("All bodies"))] + [
        (body.id, body.full_name) for body in db.session.scalars(body_queries.all_bodies())
    ]
    form.status.choices = [("", _("Any"))] + [(s.value, STATUS_LABELS[s]) for s in PUBLIC_STATUSES]
    # Supports change neither (keys=()): kept through them.
    topics = remembered("motions.topics", lambda: list(db.session.scalars(queries.public_topics())), keys=())
    form.topic.choices = [("", _("All topics"))] + [(t, t) for t in topics]
    years = remembered("motions.years",
                       lambda: [int(year) for year in db.session.scalars(queries.public_years())], keys=())
    form.year.choices = [(0, _("Any year"))] + [(year, str(year)) for year in years]
    form.validate()

    def value(field):
        return None if field.errors else field.data

    clauses = queries.public_filters(text=value(form.q), body_id=value(form.body), status=value(form.status),
                                     topic=value(form.topic), year=value(form.year),
                                     consultation_id=request.args.get("consultation", type=int))
    return form, queries.public_motions(clauses), queries.count_motions(clauses)


@bp.get("/motions/")
@public_page(keys=lambda: ("motions",), personal=True)
def list_motions():
    form, query, count = _filtered_motions()
    return render_template("motions/list.html", form=form, page=paginate(query, count_query=count))


@bp.get("/motions.json")
def list_motions_json():
    _form, query, count = _filtered_motions()
    page = paginate(query.options(selectinload(Motion.roll_call), selectinload(Motion.milestones)),
                    count_query=count)
    return jsonify(
        motions=[popolo.motion(motion) for motion in page.items],
        page=page.page, per_page=page.per_page, pages=page.pages, total=page.total,
    )


def _visible(motion_id: int) -> Motion:
    """The motion for its page: 404 when missing, and for drafts unless the viewer manages its body."""
    motion = db.session.scalar(queries.motion_by_id(motion_id))
    if motion is None or not (motion.is_public or can_manage(motion.body_id)):
        abort(404)
    return motion


@bp.get("/motions/<int:motion_id>")
@public_page(keys=lambda motion_id: (f"motion:{motion_id}",), personal=True)
def show_motion(motion_id: int):
    motion = _visible(motion_id)
    extra = thread_context("motion", motion) if motion.is_public else {}
    return render_template("motions/show.html", motion=motion, story=motion_story(motion),
                           can_manage=can_manage(motion.body_id), rule=motion.rule,
                           vote_labels=VOTE_LABELS, **extra)


@bp.app_template_global()
def motion_support(motion_id: int, rule: eligibility.Rule) -> tuple[bool, str | None, tuple[str, str] | None]:
    """(whether the visitor supports the motion, why they may not, where to go to meet the rule): the
    support section's slot (templates/motions/_support.html); one query when signed in."""
    supported = current_user.is_authenticated and db.session.scalar(
        queries.supported_by(motion_id, current_user.id)) is not None
    refusal = eligibility.refusal(rule, current_user)
    return supported, refusal, eligibility.way(refusal, rule, request.path)


@bp.get("/motions/<int:motion_id>.json")
def show_motion_json(motion_id: int):
    motion = db.session.scalar(queries.motion_by_id(motion_id))
    if motion is None or not motion.is_public:
        abort(404)
    return jsonify(popolo.motion(motion))


@bp.post("/motions/<int:motion_id>/support")
@login_required
def support_motion(motion_id: int):
    motion = _visible(motion_id)
    if eligibility.refusal(motion.rule, current_user) == "confirm":
        return eligibility.confirm_first()
    if EmptyForm().validate_on_submit():
        try:
            added = services.support(current_user, motion)
        except services.MotionError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            if added:
                flash(_("Thank you: you support this motion."), "success")
            else:
                flash(_("You already support this motion."), "info")
    return redirect(url_for("motions.show_motion", motion_id=motion.id, _anchor="support"))


@bp.post("/motions/<int:motion_id>/support/withdraw")
@login_required
def withdraw_support(motion_id: int):
    motion = _visible(motion_id)
    if EmptyForm().validate_on_submit():
        removed = services.withdraw_support(current_user, motion)
        db.session.commit()
        message = (_("You no longer support this motion.") if removed
                   else _("You did not support this motion."))
        flash(message, "info")
    return redirect(url_for("motions.show_motion", motion_id=motion.id, _anchor="support"))


# --- councillors' area ----------------------------------------------------------------------------------


def _managed(motion_id: int) -> Motion:
    """The motion, or 404; 403 unless the current user manages its body."""
    motion = db.get_or_404(Motion, motion_id)
    require_manager_of(motion.body_id)
    return motion


def _prepare(form: MotionForm) -> None:
    """Fill the choices: the user's bodies, their consultations and councillors."""
    form.body_id.choices = body_choices()
    body_ids = [body_id for body_id, _name in form.body_id.choices]
    form.consultation_id.choices = [(0, _("None"))] + [
        (c.id, c.title) for c in db.session.scalars(queries.consultations_of(body_ids))
    ]
    seen, councillors = set(), []
    for user, _body_id in db.session.execute(queries.councillors_of(body_ids)):
        if user.id not in seen:
            seen.add(user.id)
            councillors.append((user.id, user.display_name))
    form.councillors.choices = councillors


def _save(form: MotionForm, motion: Motion | None) -> Motion | None:
    if not form.validate_on_submit():
        return None
    require_manager_of(form.body_id.data)
    try:
        saved = services.save_motion(
            current_user, motion, body_id=form.body_id.data,
            consultation_id=form.consultation_id.data or None, title=form.title.data,
            identifier=form.identifier.data, filed_on=form.filed_on.data, text=form.text.data,
            topics=form.topics.data, councillor_ids=form.councillors.data or [],
            other_proposers=named_people(form.other_proposers.data),
            who=form.eligibility() | form.comment_eligibility(),
        )
    except services.MotionError as error:
        db.session.rollback()
        form[error.field].errors.append(str(error))
        return None
    db.session.commit()
    return saved


@bp.get("/manage/motions/")
def manage_motions():
    return render_template("motions/manage/list.html", page=paginate(queries.managed_motions(current_user)))


@bp.route("/manage/motions/new", methods=["GET", "POST"])
def create_motion():
    form = MotionForm()
    _prepare(form)
    if request.method == "GET":
        form.audience.data = Audience.CONFIRMED.value  # supports have asked for a confirmed address so far
    if request.method == "GET" and request.args.get("consultation", type=int):
        form.consultation_id.data = request.args.get("consultation", type=int)
    motion = _save(form, None)
    if motion is not None:
        flash(_("Motion saved as a draft. File it to publish it."), "success")
        return redirect(url_for("motions.edit_motion", motion_id=motion.id))
    return render_template("motions/manage/form.html", form=form, motion=None), (422 if form.errors else 200)


@bp.route("/manage/motions/<int:motion_id>/", methods=["GET", "POST"])
def edit_motion(motion_id: int):
    motion = _managed(motion_id)
    form = MotionForm(obj=motion)
    _prepare(form)
    if request.method == "GET":
        form.councillors.data = [p.user_id for p in motion.proposers if p.user_id]
        form.other_proposers.data = "\n".join(p.name for p in motion.proposers if not p.user_id)
    if _save(form, motion) is not None:
        flash(_("Changes saved."), "success")
        return redirect(url_for("motions.edit_motion", motion_id=motion.id))
    return render_template("motions/manage/form.html", form=form, motion=motion,
                           schedule_form=ScheduleForm(obj=motion)), (422 if form.errors else 200)


def _back_to_edit(motion: Motion):
    return redirect(url_for("motions.edit_motion", motion_id=motion.id))


@bp.post("/manage/motions/<int:motion_id>/file")
def file_motion(motion_id: int):
    motion = _managed(motion_id)
    if EmptyForm().validate_on_submit():
        _apply(services.file_motion, motion, _("The motion is filed and now public."))
    return _back_to_edit(motion)


@bp.post("/manage/motions/<int:motion_id>/withdraw")
def withdraw_motion(motion_id: int):
    motion = _managed(motion_id)
    if EmptyForm().validate_on_submit():
        _apply(services.withdraw_motion, motion, _("The motion is withdrawn."))
    return _back_to_edit(motion)


@bp.post("/manage/motions/<int:motion_id>/schedule")
def schedule_motion(motion_id: int):
    motion = _managed(motion_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        _apply(services.schedule_motion, motion, _("The council session is recorded."),
               form.scheduled_for.data)
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "danger")
    return _back_to_edit(motion)


def _apply(change, motion: Motion, message: str, *args) -> None:
    """Run a lifecycle change; commit and confirm, or roll back and say why not."""
    try:
        change(current_user, motion, *args)
    except services.MotionError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(message, "success")


@bp.route("/manage/motions/<int:motion_id>/vote", methods=["GET", "POST"])
def record_vote(motion_id: int):
    motion = _managed(motion_id)
    form = VoteForm(obj=motion)
    if request.method == "GET":
        form.result.data = motion.status.value if motion.is_decided else None
        form.roll_call.data = "\n".join(f"{v.voter_name}: {v.option.value}" for v in motion.roll_call)
    if form.validate_on_submit():
        try:
            services.record_vote(current_user, motion, voted_on=form.voted_on.data,
                                 result=MotionStatus(form.result.data), counts=form.counts(),
                                 roll_call=parse_roll_call(form.roll_call.data),
                                 outcome_note=form.outcome_note.data or "")
        except services.MotionError as error:
            db.session.rollback()
            form[error.field or "result"].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The council's vote is recorded."), "success")
            return _back_to_edit(motion)
    return render_template("motions/manage/vote.html", form=form, motion=motion), \
        (422 if form.errors else 200)


def _milestone_form(motion: Motion, milestone: Milestone | None):
    form = MilestoneForm(obj=milestone)
    if form.validate_on_submit():
        try:
            services.save_milestone(current_user, motion, milestone, title=form.title.data,
                                    due_on=form.due_on.data, description=form.description.data or "",
                                    done=form.done.data)
        except services.MotionError as error:
            db.session.rollback()
            form.title.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Follow-up step saved."), "success")
            return redirect(url_for("motions.edit_motion", motion_id=motion.id, _anchor="milestones"))
    return render_template("motions/manage/milestone_form.html", form=form, motion=motion,
                           milestone=milestone), (422 if form.errors else 200)


def _managed_milestone(motion: Motion, milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.motion_id != motion.id:
        abort(404)
    return milestone


@bp.route("/manage/motions/<int:motion_id>/milestones/new", methods=["GET", "POST"])
def add_milestone(motion_id: int):
    return _milestone_form(_managed(motion_id), None)


@bp.route("/manage/motions/<int:motion_id>/milestones/<int:milestone_id>/",
          methods=["GET", "POST"])
def edit_milestone(motion_id: int, milestone_id: int):
    motion = _managed(motion_id)
    return _milestone_form(motion, _managed_milestone(motion, milestone_id))


@bp.post("/manage/motions/<int:motion_id>/milestones/<int:milestone_id>/delete")
def delete_milestone(motion_id: int, milestone_id: int):
    motion = _managed(motion_id)
    milestone = _managed_milestone(motion, milestone_id)
    if EmptyForm().validate_on_submit():
        services.delete_milestone(current_user, motion, milestone)
        db.session.commit()
        flash(_("Follow-up step deleted."), "success")
    return redirect(url_for("motions.edit_motion", motion_id=motion.id, _anchor="milestones"))
