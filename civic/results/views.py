"""Results pages, breakdowns, exports and the councillors' list of them. Views load, check who may see what,
call report/breakdown/exports, and render or stream."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam

from civic.accounts.auth import require_manager_of
from civic.core import disclosure
from civic.core.forms import EmptyForm
from civic.core.pagination import paginate
from civic.database import db, utcnow
from civic.results import breakdown, exports, queries, report, services
from civic.results.forms import BreakdownForm
from civic.surveys import batches
from civic.surveys.forms import AUDIENCE_LABELS
from civic.surveys.models import Survey
from civic.surveys.queries import survey_with_structure

bp = Blueprint("results", __name__)

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


# One statement object for every survey: SQLAlchemy works out a statement's cache key (here a tree of loader
# options) once per object, so building it once saves that on every page (about 0.8 ms of CPU).
_SURVEY = survey_with_structure(bindparam("survey_id"))


def _survey(survey_id: int) -> Survey:
    survey = db.session.scalar(_SURVEY, {"survey_id": survey_id})
    if survey is None:
        abort(404)
    return survey


def _is_manager(survey: Survey) -> bool:
    return current_user.is_authenticated and current_user.can_manage(survey.body_id)


def _readable(survey_id: int) -> tuple[Survey, bool, bool]:
    """(survey, manager, public view). Managers of the body and admins always read the results (and may look
    at the public view with ?view=public); others only once the survey's setting makes them public: a draft
    is 404, results not (yet) public are 403."""
    survey = _survey(survey_id)
    manager = _is_manager(survey)
    if manager:
        return survey, True, request.args.get("view") == "public"
    if not survey.is_public:
        abort(404)
    if not survey.results_public():
        # Still a 403, but a page that says when the results will be published (or that they will not be).
        abort(make_response(render_template("results/not_public.html", survey=survey), 403))
    return survey, False, True


def _managed(survey_id: int) -> Survey:
    survey = _survey(survey_id)
    require_manager_of(survey.body_id)
    _settle(survey)
    return survey


def _settle(survey: Survey) -> int:
    """The anonymous responses still held for a batch (not in the figures yet); a survey that no longer takes
    answers has them released first, so its results and downloads count every answer."""
    held, released = batches.settle(survey)
    if released:
        db.session.commit()
    return held


def _download(chunks, filename: str, kind: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype=CONTENT_TYPES[kind].split(";")[0],
                        content_type=CONTENT_TYPES[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- results ------------------------------------------------------------------------------------------------


@bp.get("/surveys/<int:survey_id>/results")
def show_results(survey_id: int):
    survey, manager, public = _readable(survey_id)
    held = _settle(survey)
    results = report.build(survey)
    return render_template("results/results.html", survey=survey, report=results, manager=manager,
                           public=public, form=EmptyForm(), held=held,
                           batch_size=batches.batch_size(), now=utcnow(),
                           small_cell=disclosure.default_threshold(),
                           audience_label=AUDIENCE_LABELS.get(survey.audience, survey.audience))


@bp.get("/surveys/<int:survey_id>/results/questions/<int:question_id>/answers")
def text_answers(survey_id: int, question_id: int):
    """The written answers of one question, paginated: for the public only once published."""
    survey, manager, public = _readable(survey_id)
    _settle(survey)
    question = next((q for q in survey.ordered_questions() if q.id == question_id), None)
    if question is None:
        abort(404)
    published = question_id in set(db.session.scalars(queries.published_text_ids(survey.id)))
    if public and not published:
        abort(404)
    page = paginate(queries.text_answers(question.id), per_page=50)
    return render_template("results/texts.html", survey=survey, question=question, page=page,
                           number=survey.question_numbers()[question.id], manager=manager,
                           published=published, form=EmptyForm())


@bp.post("/manage/surveys/<int:survey_id>/results/questions/<int:question_id>/"
         "<any(publish, unpublish):action>")
def publish_texts(survey_id: int, question_id: int, action: str):
    survey = _managed(survey_id)
    question = next((q for q in survey.ordered_questions() if q.id == question_id), None)
    if question is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if action == "publish":
        services.publish_texts(current_user, survey, question)
        flash(_("The written answers to question “%(prompt)s” are now in the public results.",
                prompt=question.prompt), "success")
    else:
        services.unpublish_texts(current_user, survey, question)
        flash(_("The written answers to question “%(prompt)s” are no longer public.", prompt=question.prompt),
              "success")
    db.session.commit()
    return redirect(url_for("results.show_results", survey_id=survey.id, _anchor=f"question-{question.id}"))


def _breakdown_form(survey: Survey) -> BreakdownForm:
    form = BreakdownForm(request.args, meta={"csrf": False})
    numbers = survey.question_numbers()
    choices = [(q.id, f"{numbers[q.id]}. {q.prompt}") for q in survey.ordered_questions() if q.kind.crossable]
    form.set_questions(choices)
    return form


@bp.get("/surveys/<int:survey_id>/results/breakdown")
def show_breakdown(survey_id: int):
    survey, manager, public = _readable(survey_id)
    _settle(survey)
    form = _breakdown_form(survey)
    table, status = None, 200
    if "row" in request.args or "col" in request.args:
        if form.validate():
            questions = {q.id: q for q in survey.ordered_questions()}
            table = breakdown.build(questions[form.row.data], questions[form.col.data], public=public,
                                    other_label=_("Other"))
        else:
            status = 422
    return render_template("results/breakdown.html", survey=survey, form=form, table=table, manager=manager,
                           public=public), status


@bp.get("/surveys/<int:survey_id>/results.csv")
def public_results_csv(survey_id: int):
    """The aggregated results as on the results page (no written answers): open data once public."""
    survey, _manager, _public = _readable(survey_id)
    _settle(survey)
    return _download(exports.results_csv(report.build(survey)), f"survey-{survey.id}-results.csv", "csv")


@bp.get("/surveys/<int:survey_id>/results-datapackage.zip")
def public_datapackage(survey_id: int):
    """The aggregated results as a Frictionless data package (no response, no written answer): open data once
    public."""
    survey, _manager, _public = _readable(survey_id)
    return _download(exports.results_datapackage_zip(survey, report.build(survey)),
                     f"survey-{survey.id}-results-datapackage.zip", "zip")


# --- exports for councillors --------------------------------------------------------------------------------


@bp.get("/manage/surveys/<int:survey_id>/export.<any(csv, xlsx, json):kind>")
def export_responses(survey_id: int, kind: str):
    survey = _managed(survey_id)
    writer = {"csv": exports.responses_csv, "xlsx": exports.responses_xlsx,
              "json": exports.responses_json}[kind]
    return _download(writer(survey), f"survey-{survey.id}-responses.{kind}", kind)


@bp.get("/manage/surveys/<int:survey_id>/results.csv")
def export_results(survey_id: int):
    survey = _managed(survey_id)
    return _download(exports.results_csv(report.build(survey)), f"survey-{survey.id}-results.csv", "csv")


@bp.get("/manage/surveys/<int:survey_id>/datapackage.zip")
def export_datapackage(survey_id: int):
    survey = _managed(survey_id)
    return _download(exports.datapackage_zip(survey, report.build(survey)),
                     f"survey-{survey.id}-datapackage.zip", "zip")


# --- councillors' entry page ------------------------------------------------


@bp.get("/manage/results/")
def manage_results():
    """Every dashboard and survey result the councillor may read, with the downloads."""
    body_ids = None if current_user.is_admin else current_user.body_ids
    consultations = db.session.scalars(queries.managed_consultations(body_ids).limit(200)).all()
    page = paginate(queries.managed_surveys(body_ids))
    counts = dict(db.session.execute(queries.response_counts([s.id for s in page.items])).all())
    return render_template("results/manage.html", consultations=consultations, page=page, counts=counts)
