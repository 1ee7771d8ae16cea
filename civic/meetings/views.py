"""Meeting pages: the public list, page, calendars, RSVP and ticket under /meetings/, and the councillor tools
under /manage/meetings/ (the /manage/ prefix is guarded centrally; each view checks the meeting's body)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from civic.accounts import people
from civic.accounts.auth import confirmed_required, require_manager_of
from civic.bodies import queries as body_queries
from civic.bodies.models import Body
from civic.census import eligibility
from civic.consultations.models import Consultation
from civic.core import spreadsheets
from civic.core.forms import EmptyForm
from civic.core.pagecache import public_page
from civic.core.pagination import paginate
from civic.database import db, utcnow
from civic.extensions import limiter
from civic.meetings import ical, jsonld, mail, queries, services, tickets
from civic.meetings.forms import (
    CancelMeetingForm,
    CheckInForm,
    MeetingFilterForm,
    MeetingForm,
    OutcomeForm,
    RegistrationForm,
    registration_form,
)
from civic.meetings.models import Meeting, Registration, RegistrationStatus

bp = Blueprint("meetings", __name__)


def _rsvp_limit():
    return limiter.limit(lambda: current_app.config["CIVIC_LIMIT_RSVP"], methods=["POST"])


def _public_meeting_or_404(meeting_id: int, with_agenda: bool = True) -> Meeting:
    """The meeting with consultation, body and (unless `with_agenda` is False) agenda; 404 while its
    consultation is a draft, unless the reader manages that body."""
    # The registration form reads the questions and quotas in the same query (a few rows each).
    query = queries.meeting_page(meeting_id) if with_agenda else select(Meeting).where(
        Meeting.id == meeting_id).options(joinedload(Meeting.consultation, innerjoin=True)
                                          .joinedload(Consultation.body).joinedload(Body.parent),
                                          joinedload(Meeting.questions), joinedload(Meeting.quotas))
    meeting = db.session.execute(query).unique().scalar_one_or_none()
    if meeting is None:
        abort(404)
    if not meeting.is_public and not (current_user.is_authenticated
                                      and current_user.can_manage(meeting.body_id)):
        abort(404)
    return meeting


def _managed_meeting(meeting_id: int) -> Meeting:
    """For /manage/ pages: 404 for no meeting, 403 for another body's councillor."""
    meeting = db.session.scalar(queries.meeting_page(meeting_id))
    if meeting is None:
        abort(404)
    require_manager_of(meeting.body_id)
    return meeting


def _visitors_registration(meeting_id: int) -> Registration | None:
    return db.session.scalar(queries.registration_of(meeting_id, current_user.id))


@bp.app_template_global()
def own_registration(meeting_id: int) -> tuple[OwnRegistration | None, dt.datetime]:
    """(the visitor's registration for the meeting: its id, status and companions, or None; now): the meeting
    page's slot (templates/meetings/_place.html). One query when signed in, none while the meeting's page
    has not changed for a citizen this process or the shelf knows (civic/accounts/people.py)."""
    if not current_user.is_authenticated:
        return None, utcnow()
    values = {"meeting_id": meeting_id, "user_id": current_user.id}
    found = people.remembered(f"registration:{meeting_id}", (f"meeting:{meeting_id}",),
                              lambda: _own_registration(values))
    if found is None:
        return None, utcnow()
    registration_id, status, companions = found
    return OwnRegistration(registration_id, RegistrationStatus(status), companions), utcnow()


class OwnRegistration(NamedTuple):
    """A person's registration as the meeting page's slot shows it."""

    id: int
    status: RegistrationStatus
    companions: int


def _own_registration(values: dict) -> tuple[int, str, int] | None:
    """The registration's id, status and companions as exact plain values, which the shelf can share with
    the other processes (civic/accounts/sealed.py); None without one."""
    row = db.session.execute(queries.own_registration(), values).first()
    return (row.id, str(row.status.value), int(row.companions or 0)) if row is not None else None


# --- public pages --------------------------------------------------------------------------------------


@bp.get("/meetings/")
@public_page(keys=lambda: ("meetings",), personal=True)
def list_meetings():
    filters = MeetingFilterForm(request.args)
    bodies = db.session.scalars(queries.bodies_with_public_meetings()).unique().all()
    consultations = db.session.scalars(queries.consultations_with_public_meetings()).all()
    filters.body.choices = [("", _("All bodies"))] + [(b.slug, b.full_name) for b in bodies]
    filters.consultation.choices = [("", _("All consultations"))] + [(c.slug, c.title) for c in consultations]
    filters.validate()
    when = filters.when.data if filters.when.data in (queries.UPCOMING, queries.PAST) else queries.UPCOMING
    body = next((b for b in bodies if b.slug == filters.body.data), None)
    consultation = next((c for c in consultations if c.slug == filters.consultation.data), None)
    page = paginate(queries.public_meetings(
        utcnow(), when, body_id=body.id if body else None,
        consultation_id=consultation.id if consultation else None,
    ))
    return render_template("meetings/list.html", page=page, filters=filters, when=when)


@bp.get("/meetings/<int:meeting_id>")
@public_page(keys=lambda meeting_id: (f"meeting:{meeting_id}",), personal=True)
def show_meeting(meeting_id: int):
    meeting = _public_meeting_or_404(meeting_id)
    return render_template(
        "meetings/show.html", meeting=meeting,
        json_ld=jsonld.script(meeting), state=meeting.registration_state(), rule=meeting.rule,
    )


def _ics_response(data: bytes, filename: str, download: bool) -> Response:
    response = Response(data, content_type=ical.content_type(ical.PUBLISH))
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@bp.get("/meetings/<int:meeting_id>.ics")
def meeting_ics(meeting_id: int):
    meeting = _public_meeting_or_404(meeting_id)
    return _ics_response(ical.calendar([meeting]), f"incontro-{meeting.id}.ics", download=True)


@bp.get("/meetings.ics")
def meetings_ics():
    body = None
    if request.args.get("body"):
        body = db.first_or_404(body_queries.body_by_slug(request.args["body"]))
    meetings = db.session.scalars(
        queries.calendar_meetings(utcnow(), body.id if body else None)
    ).unique().all()
    name = _("Public meetings") + (f" · {body.full_name}" if body else "")
    return _ics_response(ical.calendar(meetings, name=name), "incontri.ics", download=False)


@bp.route("/meetings/<int:meeting_id>/register", methods=["GET", "POST"])
@_rsvp_limit()
@login_required
def register(meeting_id: int):
    meeting = _public_meeting_or_404(meeting_id, with_agenda=False)  # the form does not show the agenda
    refusal = eligibility.refusal(meeting.rule, current_user)
    if refusal == "confirm":
        return eligibility.confirm_first()
    if refusal is not None and request.method == "GET":
        # Say why, and send the person where they can meet the rule, then back here.
        flash(eligibility.refusal_message(refusal, meeting.rule), "warning")
        return redirect(eligibility.way(refusal, meeting.rule, request.path)[1])
    existing = _visitors_registration(meeting.id)
    form = registration_form(meeting)
    try:
        if not form.validate_on_submit():
            services.check_registration(meeting, existing)
            return render_template("meetings/register.html", meeting=meeting, form=form), (
                422 if form.errors else 200)
        answers = services.collect_answers(meeting.questions, form.answer_values())
        registration = services.register(meeting, current_user, form.category.data,
                                         form.accessibility_needs.data, form.note.data, existing=existing,
                                         companions=form.companion_count(), answers=answers)
    except services.MeetingError as error:
        db.session.rollback()
        return _registration_refused(meeting, form, error)
    status = registration.status  # read now: the commit expires it
    seated = status == RegistrationStatus.CONFIRMED
    db.session.commit()
    if status == RegistrationStatus.PENDING:
        flash(_("Registration received. The organisers approve registrations one by one: we will tell you "
                "by e-mail when they decide. Until then you do not hold a seat."), "info")
        return redirect(url_for("meetings.show_meeting", meeting_id=meeting_id))
    if seated:
        flash(_("Your seat is confirmed. We sent you the ticket by e-mail; you can also show it from this "
                "page."), "success")
        return redirect(url_for("meetings.show_ticket", meeting_id=meeting_id))
    flash(_("All seats are taken: you are on the waiting list. If a seat frees up it is yours, and we will "
            "tell you by e-mail."), "info")
    return redirect(url_for("meetings.show_meeting", meeting_id=meeting_id))


def _registration_refused(meeting: Meeting, form: RegistrationForm, error: services.MeetingError):
    """The service's refusal as the person sees it: on the meeting's page when they are already registered or
    the registration page is opened outside the window; next to the field of a submitted form otherwise."""
    if isinstance(error, services.AlreadyRegistered):
        flash(str(error), "info")
    elif request.method == "GET" and isinstance(error, services.RegistrationNotOpen):
        # The meeting's page itself says when registration opens.
        flash(_("Registration for this meeting is not open yet.") if error.not_yet else str(error), "warning")
    else:
        _form_error(form, error)
        return render_template("meetings/register.html", meeting=meeting, form=form), 422
    return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))


@bp.get("/meetings/<int:meeting_id>/ticket")
@confirmed_required
def show_ticket(meeting_id: int):
    meeting = _public_meeting_or_404(meeting_id)
    registration = _visitors_registration(meeting.id)
    if registration is None or registration.status not in (RegistrationStatus.CONFIRMED,
                                                            RegistrationStatus.WAITLISTED):
        abort(404)
    qr = None
    if registration.status == RegistrationStatus.CONFIRMED:
        qr = tickets.qr_svg_data_uri(mail.check_in_url(meeting.id, registration.ticket_code))
    return render_template("meetings/ticket.html", meeting=meeting, registration=registration, qr=qr,
                           code=tickets.spaced(registration.ticket_code))


@bp.post("/meetings/registrations/<int:registration_id>/cancel")
@confirmed_required
def cancel_registration(registration_id: int):
    registration = db.session.get(Registration, registration_id)
    # Someone else's registration looks exactly like a missing one.
    if registration is None or registration.user_id != current_user.id:
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    meeting_id = registration.meeting_id
    try:
        services.cancel_registration(registration)
    except services.MeetingError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(_("Your registration is cancelled. Thank you for freeing your seat."), "success")
    return redirect(url_for("meetings.show_meeting", meeting_id=meeting_id))


@bp.get("/meetings/mine")
@confirmed_required
def my_registrations():
    page = paginate(queries.registrations_of_user(current_user.id))
    return render_template("meetings/mine.html", page=page)


# --- councillor tools --------------------------------------------------------------------------------


@dataclass
class Tally:
    """Registrations per category and status, for the councillor's table."""

    rows: list[tuple[str, dict[str, int]]]
    totals: dict[str, int]
    statuses: tuple[str, ...] = ("confirmed", "waitlisted", "cancelled", "pending", "refused")


def tally(meeting_id: int) -> Tally:
    """One GROUP BY query, arranged as category -> status -> count."""
    table: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for category, status, count in db.session.execute(queries.registration_counts(meeting_id)):
        table.setdefault(category, {})[status.value] = count
        totals[status.value] = totals.get(status.value, 0) + count
    return Tally(rows=sorted(table.items(), key=lambda item: item[0].casefold()), totals=totals)


def _consultation_choices(form: MeetingForm) -> dict[int, Consultation]:
    consultations = {c.id: c for c in db.session.scalars(queries.managed_consultations(current_user))}
    form.consultation.choices = [("", _("— choose —"))] + [
        (c.id, f"{c.title} ({c.body.name})") for c in consultations.values()
    ]
    return consultations


def _form_error(form, error: services.MeetingError) -> None:
    target = form[error.field].errors if error.field and error.field in form else form.form_errors
    target.append(str(error))


@bp.get("/manage/meetings/")
def manage_meetings():
    page = paginate(queries.managed_meetings(current_user))
    waiting = dict(db.session.execute(queries.waiting_counts([m.id for m in page.items])).all())
    return render_template("meetings/manage/list.html", page=page, waiting=waiting)


@bp.route("/manage/meetings/new", methods=["GET", "POST"])
def create_meeting():
    form = MeetingForm()
    consultations = _consultation_choices(form)
    if request.method == "GET":
        form.fill_defaults(current_app.config["CIVIC_REMINDER_HOURS"])
        form.consultation.data = request.args.get("consultation", type=int)
    if form.validate_on_submit():
        consultation = consultations.get(form.consultation.data)
        if consultation is None:
            form.consultation.errors.append(_("Choose the consultation."))
        else:
            require_manager_of(consultation.body_id)
            try:
                meeting = services.create_meeting(current_user, consultation, form.fields(),
                                                  form.agenda_items(), form.question_list(),
                                                  form.quota_map(), form.reminder_list())
            except services.MeetingError as error:
                db.session.rollback()
                _form_error(form, error)
            else:
                db.session.commit()
                flash(_("Meeting “%(title)s” published.", title=meeting.title), "success")
                return redirect(url_for("meetings.manage_meeting", meeting_id=meeting.id))
    return render_template("meetings/manage/form.html", form=form, meeting=None), (
        422 if form.errors else 200)


@bp.get("/manage/meetings/<int:meeting_id>")
def manage_meeting(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    return render_template(
        "meetings/manage/meeting.html", meeting=meeting, tally=tally(meeting.id),
        checked_in=db.session.scalar(queries.checked_in_count(meeting.id)),
        cancel_form=CancelMeetingForm(), now=utcnow(),
        pending=db.session.scalar(queries.pending_count(None).where(Meeting.id == meeting.id)),
    )


@bp.route("/manage/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit_meeting(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = MeetingForm()
    consultations = _consultation_choices(form)
    if request.method == "GET":
        form.fill_from(meeting)
    if form.validate_on_submit():
        if form.consultation.data != meeting.consultation_id and form.consultation.data in consultations:
            form.consultation.errors.append(
                _("A meeting stays in its consultation; create a new meeting instead."))
        else:
            try:
                promoted = services.update_meeting(current_user, meeting, form.fields(), form.agenda_items(),
                                                   form.question_list(), form.quota_map(),
                                                   form.reminder_list())
            except services.MeetingError as error:
                db.session.rollback()
                _form_error(form, error)
            else:
                db.session.commit()
                flash(_("Meeting updated. Calendars that subscribed to it will show the change."), "success")
                if promoted:
                    flash(ngettext("%(num)d person moved from the waiting list to a confirmed seat and was "
                                   "told by e-mail.",
                                   "%(num)d people moved from the waiting list to a confirmed seat and were "
                                   "told by e-mail.", len(promoted)), "info")
                return redirect(url_for("meetings.manage_meeting", meeting_id=meeting.id))
    return render_template("meetings/manage/form.html", form=form, meeting=meeting), (
        422 if form.errors else 200)


@bp.post("/manage/meetings/<int:meeting_id>/cancel")
def cancel_meeting(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = CancelMeetingForm()
    if not form.validate_on_submit():
        flash(_("The message is too long."), "danger")
        return redirect(url_for("meetings.manage_meeting", meeting_id=meeting.id))
    try:
        told = services.cancel_meeting(current_user, meeting, form.reason.data or "")
    except services.MeetingError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(ngettext("Meeting cancelled; %(num)d registered person was told by e-mail.",
                       "Meeting cancelled; %(num)d registered people were told by e-mail.", told),
              "success")
    return redirect(url_for("meetings.manage_meeting", meeting_id=meeting.id))


@bp.route("/manage/meetings/<int:meeting_id>/outcome", methods=["GET", "POST"])
def record_outcome(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = OutcomeForm()
    checked_in = db.session.scalar(queries.checked_in_count(meeting.id))
    if request.method == "GET":
        form.minutes.data = meeting.minutes
        form.attendance_count.data = meeting.attendance_count if meeting.attendance_count is not None else (
            checked_in or None)
    if form.validate_on_submit():
        try:
            services.record_outcome(current_user, meeting, form.minutes.data or "",
                                    form.attendance_count.data)
        except services.MeetingError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Minutes and attendance saved; the meeting is shown as held."), "success")
            return redirect(url_for("meetings.manage_meeting", meeting_id=meeting.id))
    return render_template("meetings/manage/outcome.html", meeting=meeting, form=form,
                           checked_in=checked_in), (422 if form.errors else 200)


@bp.get("/manage/meetings/<int:meeting_id>/registrations")
def list_registrations(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    status = request.args.get("status")
    status = RegistrationStatus(status) if status in {s.value for s in RegistrationStatus} else None
    page = paginate(queries.meeting_registrations(meeting.id, status), per_page=50)
    return render_template("meetings/manage/registrations.html", meeting=meeting, tally=tally(meeting.id),
                           page=page, status=status, statuses=list(RegistrationStatus))


def _export_cells(questions: list) -> callable:
    """A registration's line of the export: times in ISO 8601 (CSV) or as times (XLSX); statuses, string
    enums, write their codes; the answers, last on the query's line, as one cell per question."""

    def cells(row, as_text: bool) -> list:
        *line, answers = row
        line = [value.isoformat() if as_text and isinstance(value, dt.date)
                else value.replace(tzinfo=None) if isinstance(value, dt.datetime)
                else value.value if isinstance(value, RegistrationStatus) else value for value in line]
        given = {answer.get("question_id"): answer.get("answer", "") for answer in answers or []}
        return line + [given.get(question.id, "") for question in questions]
    return cells


@bp.get("/manage/meetings/<int:meeting_id>/registrations.csv", defaults={"kind": "csv"})
@bp.get("/manage/meetings/<int:meeting_id>/registrations.xlsx", defaults={"kind": "xlsx"})
def export_registrations(meeting_id: int, kind: str):
    meeting = _managed_meeting(meeting_id)
    questions = list(meeting.questions)
    header = ["id", "name", "email", "category", "status", "companions", "accessibility_needs", "note",
              "registered_at", "confirmed_at", "cancelled_at", "checked_in_at"] + [q.label for q in questions]
    query = queries.export_rows(meeting.id)
    cells = _export_cells(questions)

    def rows():
        # Rows are fetched in batches and written out as they come: memory stays flat.
        yield from db.session.execute(query.execution_options(yield_per=500))

    filename = f"incontro-{meeting.id}-iscrizioni.{kind}"
    if kind == "xlsx":
        download = spreadsheets.spreadsheet_xlsx(_("Registrations"), header, rows(),
                                                 prepare=lambda row: cells(row, False))
        response = Response(download, mimetype="application/vnd.openxmlformats-officedocument."
                                                "spreadsheetml.sheet", direct_passthrough=True)
    else:
        chunks = spreadsheets.spreadsheet_csv(header, rows(), prepare=lambda row: cells(row, True))
        response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- approval of registrations --------------------------------------------------------------------------


@bp.get("/manage/meetings/approvals")
def list_approvals():
    """Every registration awaiting approval for the meetings the reader manages (or one meeting's)."""
    meeting_id = request.args.get("meeting", type=int)
    meeting = _managed_meeting(meeting_id) if meeting_id else None
    page = paginate(queries.pending_registrations(current_user, meeting_id), per_page=50)
    return render_template("meetings/manage/approvals.html", page=page, meeting=meeting, form=EmptyForm())


@bp.post("/manage/meetings/registrations/<int:registration_id>/<any(approve, refuse):decision>")
def decide_registration(registration_id: int, decision: str):
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        abort(404)
    meeting = _managed_meeting(registration.meeting_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = registration.user.display_name
    try:
        if decision == "approve":
            status = services.approve(current_user, registration).status
        else:
            status = services.refuse(current_user, registration).status
    except services.MeetingError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        if status == RegistrationStatus.CONFIRMED:
            flash(_("%(name)s is approved and has a confirmed seat; we sent the ticket by e-mail.",
                    name=name), "success")
        elif status == RegistrationStatus.WAITLISTED:
            flash(_("%(name)s is approved but all seats are taken: they are on the waiting list and were "
                    "told by e-mail.", name=name), "info")
        else:
            flash(_("%(name)s's registration is refused; they were told by e-mail.", name=name), "success")
    back = request.form.get("back") == "meeting"
    return redirect(url_for("meetings.list_approvals", meeting=meeting.id if back else None))


@bp.route("/manage/meetings/<int:meeting_id>/check-in", methods=["GET", "POST"])
def check_in(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = CheckInForm()
    result = registration = None
    status = 200
    if request.method == "GET" and request.args.get("code"):
        # A phone camera opening the ticket's QR link lands here with the code filled in; a POST confirms it.
        form.code.data = tickets.normalize(request.args["code"]) or ""
    if form.validate_on_submit():
        try:
            result, registration = services.check_in(meeting, form.code.data)
        except services.MeetingError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
            status = 422
        else:
            db.session.commit()
            if result != services.CheckIn.CHECKED_IN:
                status = 422 if result == services.CheckIn.UNKNOWN else 409
            form.code.data = ""
    elif form.errors:
        status = 422
    checked_in = db.session.scalar(queries.checked_in_count(meeting.id))
    return render_template("meetings/manage/check_in.html", meeting=meeting, form=form, result=result,
                           registration=registration, checked_in=checked_in), status


@bp.get("/manage/meetings/<int:meeting_id>/attendees")
def attendee_sheet(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    people = db.session.scalars(queries.attendees(meeting.id)).all()
    return render_template("meetings/manage/attendees.html", meeting=meeting, people=people)
