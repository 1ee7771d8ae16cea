"""Survey pages: answering at /surveys/<id>, the builder under /manage/surveys/. Views parse, call a service
or a query, commit once, and render or redirect."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from civic.accounts import people
from civic.accounts.auth import require_manager_of
from civic.census import eligibility
from civic.core.pagecache import not_kept, public_page
from civic.core.pagination import paginate
from civic.core.slots import shared_render
from civic.core.timezone import utc_to_rome
from civic.database import db, reads_alone, utcnow
from civic.extensions import limiter
from civic.surveys import (
    batches,
    drafts,
    invitations,
    kinds,
    paging,
    queries,
    services,
    structure,
    validation,
)
from civic.surveys.forms import (
    AUDIENCE_LABELS,
    CHANNEL_LABELS,
    VISIBILITY_LABELS,
    InvitationForm,
    NewQuestionForm,
    PaperResponseForm,
    SectionForm,
    SurveyForm,
    question_form,
)
from civic.surveys.kinds import Kind
from civic.surveys.kinds.base import OTHER
from civic.surveys.models import Channel, Survey, SurveyStatus

bp = Blueprint("surveys", __name__)

TOKEN_COOKIE = "civic_survey_token"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
TOKEN_MAX_AGE = 400 * 24 * 3600


def _hashed_address() -> str:
    """The rate-limit key: a keyed hash of the client address, so the limiter's storage never holds an IP."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"survey-limit:{get_remote_address()}".encode(), hashlib.sha256).hexdigest()


def _answer_limit() -> str:
    """Answers from people without an account, per client address."""
    return current_app.config["CIVIC_LIMIT_SURVEY_ANSWER"]


def _load(survey_id: int, with_structure: bool = True) -> Survey:
    """The survey with its consultation and, unless `with_structure` is False, its sections, questions,
    options and matrix rows (five queries; one without)."""
    if with_structure:
        survey = db.session.scalar(queries.survey_with_structure(survey_id))
    else:
        survey = db.session.get(Survey, survey_id)
    if survey is None:
        abort(404)
    return survey


def _conditions(survey: Survey) -> dict[str, dict]:
    """For every conditional section ("s<id>") and question ("q<id>"): the field and option it depends on (for
    surveys.js, which shows and hides live) and the "answer only if ..." note shown when the page is read
    without JavaScript, since then every question is on the page."""
    numbers = survey.question_numbers()
    options = {option.id: (question, option) for question in survey.ordered_questions()
               for option in question.options}
    conditions = {}
    for prefix, things in (("s", survey.ordered_sections()), ("q", survey.ordered_questions())):
        for thing in things:
            listed = [(options[o], negate) for o, negate in thing.conditions() if o in options]
            if not listed:
                continue
            if len(listed) == 1:
                note = _single_note(prefix, listed[0], numbers)
            else:
                parts = [(_("you did not choose “%(option)s” in question %(number)d", option=option.label,
                            number=numbers[question.id]) if negate else
                          _("you chose “%(option)s” in question %(number)d", option=option.label,
                            number=numbers[question.id])) for (question, option), negate in listed]
                joined = (_(" or ") if thing.condition_any else _(" and ")).join(parts)
                note = (_("Answer this section only if %(conditions)s.", conditions=joined) if prefix == "s"
                        else _("Answer only if %(conditions)s.", conditions=joined))
            (question, option), negate = listed[0]
            conditions[f"{prefix}{thing.id}"] = {
                "note": note, "field": f"q{question.id}", "option": option.id, "negate": negate,
                "all": json.dumps([[f"q{q.id}", o.id, int(n)] for (q, o), n in listed]),
                "any": bool(thing.condition_any),
            }
    return conditions


def _single_note(prefix: str, condition, numbers: dict[int, int]) -> str:
    (question, option), negate = condition
    values = {"option": option.label, "number": numbers[question.id]}
    if prefix == "s" and negate:
        return _("Answer this section only if you did not choose “%(option)s” in question %(number)d.",
                 **values)
    if prefix == "s":
        return _("Answer this section only if you chose “%(option)s” in question %(number)d.", **values)
    if negate:
        return _("Answer only if you did not choose “%(option)s” in question %(number)d.", **values)
    return _("Answer only if you chose “%(option)s” in question %(number)d.", **values)


def _form_context(survey: Survey, submitted: MultiDict | None = None, errors: dict | None = None,
                  page: paging.Page | None = None) -> dict:
    submitted = submitted if submitted is not None else MultiDict()
    return {
        "survey": survey,
        "numbers": survey.question_numbers(),
        "conditions": _conditions(survey),
        "submitted": submitted,
        "errors": page.errors if page is not None else errors or {},
        "OTHER": OTHER,
        "page": page,
        "carried": paging.carried(submitted, page) if page is not None else [],
    }


# --- public pages ---------------------------------------------------------------------------------------


@bp.get("/surveys/")
@public_page(keys=lambda: (), personal=True)  # shows no count an answer changes
def list_surveys():
    return render_template("surveys/list.html", page=paginate(queries.public_surveys()))


def _public(survey_id: int, with_structure: bool = True) -> Survey:
    survey = _load(survey_id, with_structure)
    if not survey.is_public:
        abort(404)
    return survey


def _refusal(survey: Survey) -> str | None:
    """Why the current visitor cannot answer now, or None."""
    phase = survey.phase()
    if phase != "open":
        return phase
    if shared_render():  # the render kept for signed-in people whom _personal_page found may answer
        return None
    refusal = eligibility.refusal(survey.rule, current_user._get_current_object())
    if refusal is None and survey.invited_only:
        refusal = invitations.refusal(survey, _invitation_token(survey.id))
    return refusal


# An invitation link hands its token to the session at once and redirects to the survey's clean address
# (as the account links do), so access logs and the Referer never keep a usable token.
INVITATIONS = "_survey_invitations"


def _invitation_token(survey_id: int) -> str | None:
    kept = session.get(INVITATIONS)
    token = kept.get(str(survey_id)) if isinstance(kept, dict) else None
    return token if isinstance(token, str) and TOKEN_PATTERN.match(token) else None


@bp.get("/surveys/<int:survey_id>/invitation/<token>")
def open_invitation(survey_id: int, token: str):
    if TOKEN_PATTERN.match(token):
        kept = session.get(INVITATIONS)
        session[INVITATIONS] = {**(kept if isinstance(kept, dict) else {}), str(survey_id): token}
    response = redirect(url_for("surveys.show_survey", survey_id=survey_id), 303)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _browser_token() -> str | None:
    value = request.cookies.get(TOKEN_COOKIE, "")
    return value if TOKEN_PATTERN.match(value) else None


def _participant(survey: Survey) -> tuple[int | None, str | None, str | None]:
    """(user id, browser token hash, new token to set) identifying who answers: the account when logged in,
    otherwise the browser's random token (made now when the browser has none)."""
    person = current_user._get_current_object()  # the object itself: the rules read it several times
    if person.is_authenticated:
        voice = services.participant_hash(survey, person)
        return person.id, voice.hash if voice else None, None
    token = _browser_token()
    new_token = None if token else secrets.token_urlsafe(32)
    return None, services.token_hash(survey.id, token or new_token), new_token


def _with_token(response, token: str | None):
    if token:
        response.set_cookie(TOKEN_COOKIE, token, max_age=TOKEN_MAX_AGE, path="/surveys/", httponly=True,
                            samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _answer_page(survey: Survey, status: int = 200, submitted=None, errors=None, new_token=None,
                 page: paging.Page | None = None, resumed=None):
    refusal = _refusal(survey)
    participated = False
    # The render kept for signed-in people is made only for one who has not answered (_personal_page): the
    # cookie of the browser it is made in says nothing about them.
    if refusal is None and not shared_render():
        user_id, token_hash, _new = _participant(survey) if new_token is None else (None, None, None)
        if token_hash is not None and user_id is None:
            not_kept()  # "already answered" from this browser's cookie: its own page
        participated = bool(db.session.scalar(queries.participation_of(survey.id, user_id, token_hash)))
    html = render_template("surveys/answer.html", refusal=refusal, participated=participated,
                           rule=survey.rule, way=eligibility.way(refusal, survey.rule, request.path),
                           savable=True, resumed=resumed,
                           **_form_context(survey, submitted, errors, page))
    return _with_token(current_app.make_response((html, status)), new_token)


def _paged(survey: Survey, source) -> bool:
    """One section per page, unless the respondent chose to see every section at once (layout=all)."""
    return survey.paged and source.get("layout") != "all" and bool(paging.pages(survey))


def _personal_page(survey_id: int) -> bool:
    """Whether a signed-in person's answering page is the shared one with their slots (the account menu,
    the form's token, "save and continue later"), decided in one query before anything is rendered: for a
    survey whose rule lets them answer (anyone, registered accounts, confirmed ones when theirs is, the
    body's residents when they are verified ones), not by invitation, that they have not answered and hold
    no draft of. That shared render is made as for someone who may answer, and kept apart from the anonymous
    visitors' page. Else (they may not answer, they answered, a draft fills the form, an identity is linked
    to the account so their voice needs a read of its own, a SPID/CIE audience) the page is rendered whole."""
    # Kept with the person the process knows until the survey's pages would be rendered again: an answer, a
    # saved or sent draft (civic.surveys.drafts) and a change of the survey move its generation; a linked
    # identity or a verification moves the people's.
    state = people.remembered(f"survey-state:{survey_id}", (f"survey:{survey_id}",),
                              lambda: _personal_state(survey_id))
    if state is None:
        return False
    audience, invited_only, identity, answered, saved, resident_until = state
    if invited_only or identity or answered or saved:
        return False
    resident = resident_until is not None and resident_until > utcnow()  # a kept state may outlive it
    return eligibility.signed_in_refusal(audience, current_user.is_confirmed, resident) is None


def _personal_state(survey_id: int) -> tuple | None:
    """The signed-in person's state before the answering page (queries.personal_state), as plain values:
    the audience's text, four yes-or-noes, and until when they are a verified resident (or None)."""
    state = db.session.execute(queries.personal_state(), {
        "survey_id": survey_id, "user_id": current_user.id, "now": utcnow(),
        "voice_hash": eligibility.email_voice("survey", survey_id, current_user)}).first()
    if state is None:
        return None
    # Exact plain types (the audience as its text), so that the shelf shares them (civic/accounts/sealed.py).
    audience, invited_only, identity, answered, saved, resident_until = state
    return (str(audience.value), bool(invited_only), bool(identity), bool(answered), bool(saved),
            resident_until)


@bp.get("/surveys/<int:survey_id>")
@public_page(keys=lambda survey_id: (f"survey:{survey_id}",), personal=_personal_page)
def show_survey(survey_id: int):
    """The answering page. An anonymous visitor who may answer gets the browser token cookie at once, on
    the GET: the concurrent first answers of one browser (a double click, several tabs) then carry one
    token, and the ledger takes one of them. Their page also carries the form's token in their session:
    it is rendered for them (only the pages without a form, a closed survey or one for signed-in people,
    are kept for anonymous visitors)."""
    survey = _public(survey_id)
    new_token = None
    if (_refusal(survey) is None and not current_user.is_authenticated and _browser_token() is None
            and not shared_render()):
        new_token = secrets.token_urlsafe(32)
    paged = _paged(survey, request.args)
    draft = None
    if current_user.is_authenticated and _refusal(survey) is None:
        draft = db.session.scalar(queries.draft_of(survey.id, current_user.id))
    if draft is not None:  # back where they left off, with what they had written
        page = paging.page_for(survey, draft.section_id) if paged else None
        return _answer_page(survey, submitted=MultiDict(draft.answers), page=page, resumed=draft.saved_at)
    return _answer_page(survey, new_token=new_token, page=paging.first_page(survey) if paged else None)


def _step(survey_id: int, move: str, new_token: str | None):
    """"Next" or "back" on a survey shown one section per page: the other page, answers carried along."""
    survey = _load(survey_id)
    page = paging.step(survey, request.form, request.form.get("page", type=int), move)
    if current_user.is_authenticated:  # signed in: the answers so far are kept on the server too
        drafts.save(survey.id, current_user.id, paging.fields(request.form), page.section.id)
        db.session.commit()
    return _answer_page(survey, 422 if page.errors else 200, request.form, new_token=new_token, page=page)


def _save_draft(survey: Survey):
    """"Save and continue later": the answers as they are, unchecked, and the section the person was on."""
    section_id = request.form.get("page", type=int) if _paged(survey, request.form) else None
    drafts.save(survey.id, current_user.id, paging.fields(request.form), section_id)
    db.session.commit()
    flash(_("Your answers are saved. Come back to this survey when you like to continue where you left off."),
          "success")
    return redirect(url_for("surveys.show_survey", survey_id=survey.id,
                            **({"layout": "all"} if request.form.get("layout") == "all" else {})))


@bp.post("/surveys/<int:survey_id>")
@limiter.limit(_answer_limit, key_func=_hashed_address, exempt_when=people.signed_in)
def submit_survey(survey_id: int):
    # The answers are checked against the survey and its questions as kept per process (civic.surveys.
    # structure); the models are loaded only to show the form again with its errors, or a draft's page.
    # Who answers is the person this process knows (civic/accounts/people.py: their identity and residence
    # too): an answer reads plain values of them and changes nothing of the account.
    # What comes before the answer's write only reads (who answers, the survey, whether they may): no
    # transaction for it on PostgreSQL, and the write may then run alone (civic.database).
    with reads_alone():
        people.signed_in()
        survey = structure.answering(survey_id)  # plain values, kept per process while the survey is the same
        if survey is None or not survey.is_public:
            abort(404)
        refusal = _refusal(survey)
        if refusal is not None:
            return redirect(url_for("surveys.show_survey", survey_id=survey.id))
        user_id, token_hash, new_token = _participant(survey)
    move = request.form.get("move")
    if move == paging.SAVE and user_id is not None:
        return _save_draft(_load(survey_id))
    if survey.paged and move in (paging.NEXT, paging.BACK):
        return _step(survey_id, move, new_token)
    with reads_alone():  # the questions, kept per process as the survey is
        submission = validation.read_submission(structure.shape_of(survey), request.form)
    if not submission.ok:
        if db.session.scalar(queries.participation_of(survey.id, user_id, token_hash)):
            return redirect(url_for("surveys.show_survey", survey_id=survey.id))  # nothing left to correct
        survey = _load(survey_id)
        paged = _paged(survey, request.form)
        page = paging.page_of(survey, request.form, submission.errors) if paged else None
        return _answer_page(survey, 422, request.form, submission.errors, new_token, page=page)
    # Someone who already answered is stopped by the ledger's unique index, without a query beforehand.
    try:
        # A signed-in person's saved draft goes with the same statements (sent: nothing left for later).
        person = current_user._get_current_object()
        services.submit_response(survey, submission.rows, user=person if user_id else None,
                                 browser_token_hash=token_hash,
                                 invitation_token=_invitation_token(survey.id),
                                 draft_of=user_id if person.is_authenticated else None)
    except services.AlreadyAnswered:
        db.session.rollback()
        return redirect(url_for("surveys.show_survey", survey_id=survey.id))
    except invitations.InvitationRefused as error:
        db.session.rollback()
        flash(eligibility.refusal_message(error.reason, survey.rule), "warning")
        return redirect(url_for("surveys.show_survey", survey_id=survey.id))
    except eligibility.NotEligible as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for("surveys.show_survey", survey_id=survey.id))
    db.session.commit()
    return _with_token(redirect(url_for("surveys.thank_you", survey_id=survey_id)), new_token)


@bp.get("/surveys/<int:survey_id>/thanks")
def thank_you(survey_id: int):
    return render_template("surveys/thanks.html", survey=_public(survey_id, with_structure=False))


# --- builder --------------------------------------------------------------------------------------------


def _managed(survey_id: int) -> Survey:
    survey = _load(survey_id)
    require_manager_of(survey.body_id)
    return survey


def _body_ids():
    """The bodies whose surveys the current user manages; None for admins (every body)."""
    return None if current_user.is_admin else current_user.body_ids


def _to_builder(survey: Survey, anchor: str | None = None):
    return redirect(url_for("surveys.edit_survey", survey_id=survey.id, _anchor=anchor))


def _fail(error: services.SurveyError, form=None) -> None:
    """Undo the half-done change; put the message beside its field, or flash it."""
    db.session.rollback()
    if form is not None and error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        flash(error.message, "danger")


def _locked_redirect(survey: Survey):
    """The builder with the reason, when the survey's questions can no longer change; None otherwise."""
    try:
        services.ensure_editable(survey)
    except services.SurveyError as error:
        flash(error.message, "warning")
        return _to_builder(survey)
    return None


@bp.get("/manage/surveys/")
def manage_surveys():
    page = paginate(queries.manageable_surveys(_body_ids()))
    responses = dict(db.session.execute(queries.response_counts([survey.id for survey in page.items])).all())
    return render_template("surveys/manage/list.html", page=page, responses=responses)


@bp.route("/manage/surveys/new", methods=["GET", "POST"])
def create_survey():
    consultations = db.session.scalars(queries.manageable_consultations(_body_ids())).all()
    form = SurveyForm()
    form.consultation.choices = [(c.id, c.title) for c in consultations]
    if request.method == "GET":
        form.consultation.data = request.args.get("consultation", type=int)
    if consultations and form.validate_on_submit():
        consultation = next(c for c in consultations if c.id == form.consultation.data)
        require_manager_of(consultation.body_id)
        survey = services.create_survey(current_user, consultation, **form.settings())
        db.session.commit()
        flash(_("Survey created as a draft. Now add its questions."), "success")
        return _to_builder(survey)
    return render_template("surveys/manage/survey_form.html", form=form, survey=None,
                           consultations=consultations), 422 if form.errors else 200


@bp.get("/manage/surveys/<int:survey_id>")
def edit_survey(survey_id: int):
    survey = _managed(survey_id)
    held, released = batches.settle(survey)
    if released:
        db.session.commit()
    responses = db.session.scalar(queries.response_count(survey.id))
    picker = NewQuestionForm(formdata=None)
    picker.section.choices = [(s.id, s.title or _("Section %(number)d", number=s.position))
                              for s in survey.ordered_sections()]
    return render_template("surveys/manage/builder.html", picker=picker, responses=responses, held=held,
                           locked=responses + held > 0, audience_labels=AUDIENCE_LABELS,
                           visibility_labels=VISIBILITY_LABELS, **_form_context(survey))


@bp.route("/manage/surveys/<int:survey_id>/settings", methods=["GET", "POST"])
def edit_settings(survey_id: int):
    survey = _managed(survey_id)
    if request.method == "GET":
        form = SurveyForm(formdata=None, data={
            "title": survey.title, "introduction": survey.introduction,
            "opens_at": utc_to_rome(survey.opens_at), "closes_at": utc_to_rome(survey.closes_at),
            "audience": survey.audience.value, "audience_level": survey.audience_level,
            "anonymous": survey.anonymous, "results_visibility": survey.results_visibility.value,
            "thank_you": survey.thank_you, "paged": survey.paged, "invited_only": survey.invited_only,
        })
    else:
        form = SurveyForm()
    del form.consultation
    if form.validate_on_submit():
        try:
            services.update_survey(current_user, survey, **form.settings())
        except services.SurveyError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return _to_builder(survey)
    return render_template("surveys/manage/survey_form.html", form=form, survey=survey), \
        422 if form.errors else 200


@bp.route("/manage/surveys/<int:survey_id>/invitations", methods=["GET", "POST"])
def manage_invitations(survey_id: int):
    survey = _managed(survey_id)
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            invited, skipped = invitations.invite(current_user, survey, form.addresses.data,
                                                  form.language.data)
        except invitations.InvitationError as error:
            db.session.rollback()
            form.addresses.errors = [*form.addresses.errors, error.message]
        else:
            db.session.commit()
            flash(_("Invitations sent: %(invited)d. Skipped as already invited or repeated: %(skipped)d.",
                    invited=invited, skipped=skipped), "success")
            return redirect(url_for("surveys.manage_invitations", survey_id=survey.id))
    sent, used = invitations.counts(survey.id)
    return render_template("surveys/manage/invitations.html", survey=survey, form=form, sent=sent, used=used,
                           page=paginate(invitations.listing(survey.id))), 422 if form.errors else 200


@bp.post("/manage/surveys/<int:survey_id>/invitations/remind")
def remind_invited(survey_id: int):
    survey = _managed(survey_id)
    try:
        reminded = invitations.remind(current_user, survey)
    except invitations.InvitationError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Reminders sent: %(num)d.", num=reminded), "success")
    return redirect(url_for("surveys.manage_invitations", survey_id=survey.id))


def _state_change(survey_id: int, change, message: str, done):
    """A POST button on the builder (open, close, copy, delete): `done(result, survey)` makes the redirect."""
    survey = _managed(survey_id)
    try:
        result = change(current_user, survey)
    except services.SurveyError as error:
        _fail(error)
        return _to_builder(survey)
    db.session.commit()
    flash(message, "success")
    return done(result, survey)


@bp.post("/manage/surveys/<int:survey_id>/open")
def open_survey(survey_id: int):
    return _state_change(survey_id, services.open_survey, _("The survey is open."),
                         lambda _result, survey: _to_builder(survey))


@bp.post("/manage/surveys/<int:survey_id>/close")
def close_survey(survey_id: int):
    return _state_change(survey_id, services.close_survey, _("The survey is closed."),
                         lambda _result, survey: _to_builder(survey))


@bp.post("/manage/surveys/<int:survey_id>/copy")
def copy_survey(survey_id: int):
    return _state_change(survey_id, services.copy_survey,
                         _("This is a new draft version of the survey: edit it, then open it."),
                         lambda copy, _survey: _to_builder(copy))


@bp.post("/manage/surveys/<int:survey_id>/delete")
def delete_survey(survey_id: int):
    return _state_change(survey_id, services.delete_survey, _("The draft survey was deleted."),
                         lambda _result, _survey: redirect(url_for("surveys.manage_surveys")))


# --- sections -------------------------------------------------------------------------------------------


def _section(survey: Survey, section_id: int):
    section = next((s for s in survey.sections if s.id == section_id), None)
    if section is None:
        abort(404)
    return section


def _condition_choices(survey: Survey, before=None) -> list[tuple[int, str]]:
    numbers = survey.question_numbers()
    choices = [(0, _("always"))]
    for question in services.condition_sources(survey, before):
        prompt = question.prompt if len(question.prompt) <= 60 else question.prompt[:59] + "…"
        choices += [(option.id, f"{numbers[question.id]}. {prompt} → {option.label}")
                    for option in question.options]
    return choices


def _conditions_offered(form) -> bool:
    """Every condition chosen must be an answer the form offers (an earlier choice question's); otherwise a
    message beside the condition fields and nothing stored."""
    offered = {value for value, _label in form.condition_option.choices}
    if all(option in offered for option in form.chosen_conditions()):
        return True
    message = _("A condition can only depend on an answer to an earlier choice question.")
    form.condition_option.errors = [*form.condition_option.errors, message]
    return False


def _section_page(survey: Survey, section=None):
    locked = _locked_redirect(survey)
    if locked:
        return locked
    form = SectionForm(obj=section) if request.method == "GET" and section else SectionForm()
    if request.method == "GET" and section:
        form.load_conditions(section)
    form.set_condition_choices(_condition_choices(survey, section))
    if form.validate_on_submit() and _conditions_offered(form):
        fields = {"title": (form.title.data or "").strip(),
                  "description": (form.description.data or "").strip(), **form.condition_data()}
        try:
            if section is None:
                section = services.add_section(current_user, survey, **fields)
            else:
                services.update_section(current_user, section, **fields)
        except services.SurveyError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(_("Section saved."), "success")
            return _to_builder(survey, f"section-{section.id}")
    return render_template("surveys/manage/section_form.html", survey=survey, section=section, form=form), \
        422 if form.errors else 200


@bp.route("/manage/surveys/<int:survey_id>/sections/new", methods=["GET", "POST"])
def create_section(survey_id: int):
    return _section_page(_managed(survey_id))


@bp.route("/manage/surveys/<int:survey_id>/sections/<int:section_id>", methods=["GET", "POST"])
def edit_section(survey_id: int, section_id: int):
    survey = _managed(survey_id)
    return _section_page(survey, _section(survey, section_id))


def _structure_change(survey_id: int, change, message: str, anchor: str | None = None):
    """A POST button on one section or question: delete, move, duplicate."""
    survey = _managed(survey_id)
    try:
        change(survey)
    except services.SurveyError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(message, "success")
    return _to_builder(survey, anchor)


def _direction() -> str:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    return direction


@bp.post("/manage/surveys/<int:survey_id>/sections/<int:section_id>/delete")
def delete_section(survey_id: int, section_id: int):
    return _structure_change(survey_id, lambda survey: services.delete_section(
        current_user, _section(survey, section_id)), _("Section deleted."))


@bp.post("/manage/surveys/<int:survey_id>/sections/<int:section_id>/move")
def move_section(survey_id: int, section_id: int):
    direction = _direction()
    return _structure_change(survey_id, lambda survey: services.move_section(
        current_user, _section(survey, section_id), direction), _("Section moved."), f"section-{section_id}")


# --- questions ------------------------------------------------------------------------------------------


def _question(survey: Survey, question_id: int):
    question = next((q for q in survey.ordered_questions() if q.id == question_id), None)
    if question is None:
        abort(404)
    return question


def _question_page(survey: Survey, kind: Kind, question=None, section_id: int | None = None):
    locked = _locked_redirect(survey)
    if locked:
        return locked
    form = question_form(kind, formdata=None) if request.method == "GET" else question_form(kind)
    sections = survey.ordered_sections()
    form.section.choices = [(s.id, s.title or _("Section %(number)d", number=s.position)) for s in sections]
    form.set_condition_choices(_condition_choices(survey, question))
    if request.method == "GET":
        if question is not None:
            form.load(question)
        else:
            form.section.data = section_id if section_id in {s.id for s in sections} else sections[-1].id
            form.condition_option.data = 0
    if form.validate_on_submit() and _conditions_offered(form):
        section = _section(survey, form.section.data)
        try:
            if question is None:
                question = services.add_question(current_user, survey, section, kind, form.question_data())
            else:
                services.update_question(current_user, question, section, form.question_data())
        except services.SurveyError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(_("Question saved."), "success")
            return _to_builder(survey, f"question-{question.id}")
    return render_template("surveys/manage/question_form.html", survey=survey, question=question, form=form,
                           kind=kind, kind_label=kind.label), 422 if form.errors else 200


@bp.route("/manage/surveys/<int:survey_id>/questions/new", methods=["GET", "POST"])
def create_question(survey_id: int):
    survey = _managed(survey_id)
    kind = kinds.get(request.args.get("kind", ""))
    if kind is None:
        abort(404)
    return _question_page(survey, kind, section_id=request.args.get("section", type=int))


@bp.route("/manage/surveys/<int:survey_id>/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(survey_id: int, question_id: int):
    survey = _managed(survey_id)
    question = _question(survey, question_id)
    return _question_page(survey, question.kind, question)


@bp.post("/manage/surveys/<int:survey_id>/questions/<int:question_id>/delete")
def delete_question(survey_id: int, question_id: int):
    return _structure_change(survey_id, lambda survey: services.delete_question(
        current_user, _question(survey, question_id)), _("Question deleted."))


@bp.post("/manage/surveys/<int:survey_id>/questions/<int:question_id>/move")
def move_question(survey_id: int, question_id: int):
    direction = _direction()
    return _structure_change(survey_id, lambda survey: services.move_question(
        current_user, _question(survey, question_id), direction), _("Question moved."),
        f"question-{question_id}")


@bp.post("/manage/surveys/<int:survey_id>/questions/<int:question_id>/duplicate")
def duplicate_question(survey_id: int, question_id: int):
    return _structure_change(survey_id, lambda survey: services.duplicate_question(
        current_user, _question(survey, question_id)), _("Question duplicated: the copy is right below."))


# --- preview and paper responses ------------------------------------------------------------------------


@bp.route("/manage/surveys/<int:survey_id>/preview", methods=["GET", "POST"])
def preview_survey(survey_id: int):
    """The questionnaire as a citizen sees it; sending it checks the answers and stores nothing."""
    survey = _managed(survey_id)
    status, submitted, errors = 200, None, None
    if request.method == "POST":
        submission = validation.read_submission(survey, request.form)
        submitted, errors = request.form, submission.errors
        if submission.ok:
            flash(_("These answers are valid. This is a preview: nothing was stored."), "success")
        else:
            status = 422
    return render_template("surveys/manage/preview.html", **_form_context(survey, submitted, errors)), status


@bp.route("/manage/surveys/<int:survey_id>/responses/new", methods=["GET", "POST"])
def enter_response(survey_id: int):
    """A response collected on paper or at a meeting, typed in by a councillor, through the same checks."""
    survey = _managed(survey_id)
    if survey.status == SurveyStatus.DRAFT:
        flash(_("Open the survey before entering responses."), "warning")
        return _to_builder(survey)
    form = PaperResponseForm()
    status, submitted, errors = 200, None, None
    if request.method == "POST":
        submission = validation.read_submission(survey, request.form)
        if form.validate_on_submit() and submission.ok:
            try:
                services.record_paper_response(current_user, survey, submission.rows,
                                               Channel(form.channel.data))
            except services.SurveyError as error:
                _fail(error, form)
            else:
                db.session.commit()
                flash(_("Response recorded (%(channel)s). You can enter the next one.",
                        channel=CHANNEL_LABELS[Channel(form.channel.data)]), "success")
                return redirect(url_for("surveys.enter_response", survey_id=survey.id))
        submitted, errors, status = request.form, submission.errors, 422
    page = render_template("surveys/manage/paper.html", form=form, **_form_context(survey, submitted, errors))
    return page, status
