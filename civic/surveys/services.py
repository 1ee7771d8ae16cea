"""Survey rules: building (sections, questions, options, conditions, locking), the lifecycle, copies, and
storing a response once per participant. Every function validates, changes, flushes and returns; the view
commits once."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    Integer,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    insert,
    select,
    true,
    update,
    values,
)
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.audit.services import record
from civic.census import eligibility
from civic.consultations.models import Consultation
from civic.core import pagecache
from civic.core.features import Happening, announce, took_part
from civic.core.timezone import local_today
from civic.database import db, statement_alone, utcnow
from civic.surveys import batches, drafts, invitations
from civic.surveys.kinds import Kind
from civic.surveys.models import (
    ANSWER_VALUES,
    Answer,
    Channel,
    HeldResponse,
    InvalidTransition,
    MatrixRow,
    Participation,
    Question,
    QuestionOption,
    Response,
    ResultsVisibility,
    Survey,
    SurveyCondition,
    SurveyDraft,
    SurveySection,
    SurveyStatus,
    new_participation_id,
)


class SurveyError(Exception):
    """A rule refused the change; the message is translated and meant for the user. `field` names the form
    field it belongs beside, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class AlreadyAnswered(Exception):
    """This person (or browser) is already in the survey's participation ledger."""


# --- locking -----------------------------------------------------------------------------------------------


def has_responses(survey: Survey) -> bool:
    """Answered by anyone: a stored response, or one held for the next anonymous batch."""
    return bool(db.session.scalar(select(exists().where(Response.survey_id == survey.id)
                                         | exists().where(HeldResponse.survey_id == survey.id))))


def ensure_editable(survey: Survey) -> None:
    """Questions, options, sections and conditions are frozen once anyone has answered, so every response
    answers the same questionnaire."""
    if has_responses(survey):
        raise SurveyError(_("This survey already has responses, so its questions can no longer change. "
                            "Make a copy to edit it as a new version."))


def _start_change(survey: Survey) -> None:
    """Before a change of sections, questions, options or conditions: refuse it once people have answered, and
    move `updated_at`, which versions the questions each process keeps for checking submissions
    (civic.surveys.structure)."""
    ensure_editable(survey)
    survey.updated_at = utcnow()


# --- the survey itself ----------------------------------------------------------------------------------


SETTINGS_FIELDS = ("title", "introduction", "opens_at", "closes_at", "audience", "audience_level",
                   "anonymous", "results_visibility", "thank_you", "paged", "invited_only")


def create_survey(actor: User, consultation: Consultation, **settings) -> Survey:
    """A draft survey in the consultation, with a first (untitled) section to put questions in."""
    survey = Survey(consultation=consultation, status=SurveyStatus.DRAFT,
                    **{k: v for k, v in settings.items() if k in SETTINGS_FIELDS})
    survey.sections.append(SurveySection(position=1, title="", description=""))
    db.session.add(survey)
    db.session.flush()
    record(actor, "survey.create", survey, survey.title, body_id=consultation.body_id)
    return survey


def update_survey(actor: User, survey: Survey, **settings) -> Survey:
    """Change the settings. Anonymity cannot change once people have answered under its promise. Settings
    that make the results public (their visibility) announce them (announce_results)."""
    if "anonymous" in settings and bool(settings["anonymous"]) != survey.anonymous and has_responses(survey):
        raise SurveyError(_("People have already answered under this setting, so it cannot change."),
                          "anonymous")
    was_public = survey.results_public()
    for name, value in settings.items():
        if name in SETTINGS_FIELDS:
            setattr(survey, name, value)
    db.session.flush()
    record(actor, "survey.update", survey, survey.title, body_id=survey.body_id)
    if not was_public:
        announce_results(actor, survey)
    return survey


def open_survey(actor: User, survey: Survey) -> Survey:
    """Draft or closed -> open. Needs at least one question and a closing time still ahead."""
    if not survey.ordered_questions():
        raise SurveyError(_("Add at least one question before opening the survey."))
    if survey.closes_at is not None and survey.closes_at <= utcnow():
        raise SurveyError(_("The closing time has passed: move it forward in the settings first."))
    try:
        survey.open()
    except InvalidTransition as error:
        raise SurveyError(_("The survey is already open.")) from error
    db.session.flush()
    record(actor, "survey.open", survey, survey.title, body_id=survey.body_id)
    announce(Happening("survey.opened", "consultation", survey.consultation_id, survey.title[:300],
                       actor_id=actor.id if actor else None))
    return survey


def close_survey(actor: User, survey: Survey) -> Survey:
    """Open -> closed; the anonymous responses still held are released, as the last batch."""
    try:
        survey.close()
    except InvalidTransition as error:
        raise SurveyError(_("Only an open survey can be closed.")) from error
    db.session.flush()
    batches.release_if_closed(survey)
    record(actor, "survey.close", survey, survey.title, body_id=survey.body_id)
    announce_results(actor, survey)
    return survey


def announce_results(actor: User | None, survey: Survey) -> bool:
    """Tell the consultation's followers that the survey's results are published, if the public may read them
    now, once per survey: the conditional UPDATE of `results_announced_at` lets one caller through, however
    the visibility goes back and forth and whoever closes the survey at the same moment. Whether it told."""
    if not survey.results_public():
        return False
    claimed = db.session.execute(
        update(Survey).where(Survey.id == survey.id, Survey.results_announced_at.is_(None))
        # updated_at as it was: it versions the questionnaire (civic.surveys.structure), which is unchanged.
        .values(results_announced_at=utcnow(), updated_at=Survey.updated_at)).rowcount
    if claimed:
        announce(Happening("survey.results", "consultation", survey.consultation_id, survey.title[:300],
                           actor_id=actor.id if actor else None))
    return bool(claimed)


def announce_closed_results(now: dt.datetime | None = None) -> int:
    """Announce the results of the surveys that closed by their closing time (nobody pressed "close"), whose
    results the public may now read; how many (civic.surveys.feature, run periodically)."""
    due = db.session.scalars(select(Survey).where(
        Survey.status == SurveyStatus.OPEN, Survey.results_announced_at.is_(None),
        Survey.results_visibility != ResultsVisibility.COUNCILLORS, Survey.closes_at <= (now or utcnow())))
    return sum(announce_results(None, survey) for survey in due.all())


def delete_survey(actor: User, survey: Survey) -> None:
    """Only a draft without responses can be deleted; anything citizens saw stays on record."""
    if survey.status != SurveyStatus.DRAFT or has_responses(survey):
        raise SurveyError(_("Only a draft survey without responses can be deleted."))
    record(actor, "survey.delete", survey, survey.title, body_id=survey.body_id)
    # One statement: the database cascades to sections, questions, options and rows.
    db.session.execute(delete(Survey).where(Survey.id == survey.id))
    db.session.expunge(survey)


def copy_survey(actor: User, survey: Survey) -> Survey:
    """A deep copy as a new draft version: sections, questions, options, matrix rows and conditions (pointing
    at the copied options). Dates are cleared; the original keeps its responses."""
    copy = Survey(
        consultation_id=survey.consultation_id, title=survey.title, introduction=survey.introduction,
        status=SurveyStatus.DRAFT, audience=survey.audience, audience_level=survey.audience_level,
        anonymous=survey.anonymous, invited_only=survey.invited_only,
        results_visibility=survey.results_visibility, thank_you=survey.thank_you, version=survey.version + 1,
        copied_from_id=survey.id,
    )
    db.session.add(copy)
    option_map: dict[int, QuestionOption] = {}
    pairs: list[tuple[SurveySection | Question, SurveySection | Question]] = []
    for section in survey.ordered_sections():
        new_section = SurveySection(position=section.position, title=section.title,
                                    description=section.description,
                                    condition_negate=section.condition_negate,
                                    condition_any=section.condition_any)
        copy.sections.append(new_section)
        pairs.append((section, new_section))
        for question in sorted(section.questions, key=lambda q: q.position):
            new_question = _clone_question(question, survey=copy, section=new_section, option_map=option_map)
            pairs.append((question, new_question))
    db.session.flush()
    for original, clone in pairs:
        if original.condition_option_id is not None:
            clone.condition_option_id = option_map[original.condition_option_id].id
        clone.extra_conditions = [SurveyCondition(position=c.position, option_id=option_map[c.option_id].id,
                                                  negate=c.negate) for c in original.extra_conditions]
    db.session.flush()
    record(actor, "survey.copy", copy, f"copy of survey {survey.id}", body_id=survey.body_id)
    return copy


def _clone_question(question: Question, survey: Survey, section: SurveySection,
                    option_map: dict[int, QuestionOption] | None = None,
                    position: int | None = None) -> Question:
    clone = Question(
        survey=survey, section=section, position=question.position if position is None else position,
        kind=question.kind, prompt=question.prompt, help_text=question.help_text, required=question.required,
        settings=dict(question.settings or {}), has_other=question.has_other,
        condition_negate=question.condition_negate, condition_any=question.condition_any,
    )
    for option in question.options:
        new_option = QuestionOption(position=option.position, label=option.label)
        clone.options.append(new_option)
        if option_map is not None:
            option_map[option.id] = new_option
    for row in question.rows:
        clone.rows.append(MatrixRow(position=row.position, label=row.label))
    db.session.add(clone)
    return clone


# --- conditions -----------------------------------------------------------------------------------------


def condition_sources(survey: Survey, before: Question | SurveySection | None = None) -> list[Question]:
    """Questions a condition may depend on (of a kind that can be a condition's source): those a respondent
    meets before `before` (a question, or the start of a section); all of them when `before` is None (a new
    question goes last)."""
    ordered = survey.ordered_questions()
    if isinstance(before, Question):
        ordered = ordered[: ordered.index(before)] if before in ordered else ordered
    elif isinstance(before, SurveySection):
        ordered = [q for q in ordered if q.section.position < before.position]
    return [q for q in ordered if q.kind.condition_source]


def check_conditions(survey: Survey) -> None:
    """Every condition must depend on a choice question the respondent meets earlier (for a section: in an
    earlier section). Raises SurveyError naming the first one that does not, e.g. after a move."""
    ordered = survey.ordered_questions()
    index = {q.id: i for i, q in enumerate(ordered)}
    question_of_option = {option.id: q for q in ordered for option in q.options}
    for question in ordered:
        for option_id, _negate in question.conditions():
            source = question_of_option.get(option_id)
            if source is None or not source.kind.condition_source or index[source.id] >= index[question.id]:
                raise SurveyError(_("“%(prompt)s” depends on a question that would no longer come before it.",
                                    prompt=question.prompt), "condition_option")
    for section in survey.ordered_sections():
        for option_id, _negate in section.conditions():
            source = question_of_option.get(option_id)
            if (source is None or not source.kind.condition_source
                    or source.section.position >= section.position):
                raise SurveyError(_("A section can only depend on a question of an earlier section."),
                                  "condition_option")


def _dependents(survey: Survey, option_ids: set[int]) -> list[str]:
    """Prompts (or section titles) of what has a condition on one of these options."""
    def uses(thing) -> bool:
        return any(option_id in option_ids for option_id, _negate in thing.conditions())

    names = [q.prompt for q in survey.ordered_questions() if uses(q)]
    names += [s.title or _("Section %(number)d", number=s.position)
              for s in survey.ordered_sections() if uses(s)]
    return names


def _set_condition(thing: Question | SurveySection, option_id: int | None, negate: bool,
                   more: list[tuple[int, bool]] | None = None, any_: bool = False) -> None:
    """The first condition (option_id, negate) and the further ones (`more`), joined with OR when `any_`."""
    conditions = [(int(o), bool(n)) for o, n in ([(option_id, negate)] + list(more or [])) if o]
    unique = list(dict.fromkeys(conditions))
    first = unique[0] if unique else (None, False)
    thing.condition_option_id, thing.condition_negate = first
    thing.extra_conditions = [SurveyCondition(position=position, option_id=o, negate=n)
                              for position, (o, n) in enumerate(unique[1:], start=1)]
    thing.condition_any = bool(any_) and len(unique) > 1


# --- sections -------------------------------------------------------------------------------------------


def _renumber(items: list) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


def _moved(items: list, item, direction: str) -> list:
    """The list with `item` swapped with its neighbour above ("up") or below ("down"), if it has one."""
    items = list(items)
    index = items.index(item)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    return items


def add_section(actor: User, survey: Survey, title: str, description: str,
                condition_option_id: int | None = None, condition_negate: bool = False,
                more_conditions: list[tuple[int, bool]] | None = None, condition_any: bool = False
                ) -> SurveySection:
    _start_change(survey)
    section = SurveySection(position=len(survey.sections) + 1, title=title, description=description)
    survey.sections.append(section)
    _set_condition(section, condition_option_id, condition_negate, more_conditions, condition_any)
    db.session.flush()
    check_conditions(survey)
    record(actor, "survey.section.add", survey, title[:200], body_id=survey.body_id)
    return section


def update_section(actor: User, section: SurveySection, title: str, description: str,
                   condition_option_id: int | None = None, condition_negate: bool = False,
                   more_conditions: list[tuple[int, bool]] | None = None, condition_any: bool = False
                   ) -> SurveySection:
    _start_change(section.survey)
    section.title, section.description = title, description
    _set_condition(section, condition_option_id, condition_negate, more_conditions, condition_any)
    db.session.flush()
    check_conditions(section.survey)
    record(actor, "survey.section.update", section.survey, title[:200], body_id=section.survey.body_id)
    return section


def delete_section(actor: User, section: SurveySection) -> None:
    survey = section.survey
    _start_change(survey)
    if len(survey.sections) == 1:
        raise SurveyError(_("A survey needs at least one section."))
    if section.questions:
        raise SurveyError(_("Move or delete the questions of this section first."))
    db.session.delete(section)
    survey.sections.remove(section)
    _renumber(survey.ordered_sections())
    db.session.flush()
    record(actor, "survey.section.delete", survey, section.title[:200], body_id=survey.body_id)


def move_section(actor: User, section: SurveySection, direction: str) -> None:
    survey = section.survey
    _start_change(survey)
    _renumber(_moved(survey.ordered_sections(), section, direction))
    check_conditions(survey)
    db.session.flush()


# --- questions ------------------------------------------------------------------------------------------


def _sync_labels(labels: list[str], current: list, make) -> tuple[list, list]:
    """Make the question's options (or rows) read `labels`, in that order. An existing item keeps its id when
    its label is still there, or when its line was edited in place (a typo fix); the rest are new or removed.
    Returns (items in order, removed items)."""
    wanted = set(labels)
    kept = []
    for index, label in enumerate(labels):
        match = next((item for item in current if item.label == label and item not in kept), None)
        if match is None and index < len(current) and current[index].label not in wanted \
                and current[index] not in kept:
            match = current[index]
            match.label = label
        kept.append(match if match is not None else make(label))
    removed = [item for item in current if item not in kept]
    _renumber(kept)
    return kept, removed


def _apply_structure(question: Question, data: dict) -> None:
    """Options (as the kind gives them), matrix rows and the kind's settings from the form data."""
    survey, kind = question.survey, question.kind
    if kind.has_options:
        options, removed = _sync_labels(kind.option_labels(question, data), list(question.options),
                                        lambda label: QuestionOption(label=label))
        used = _dependents(survey, {o.id for o in removed if o.id is not None})
        if used:
            raise SurveyError(_("An option you removed is used by a condition of: %(names)s. Change that "
                                "condition first.", names="; ".join(used)), "options")
        question.options = options
    if kind.has_rows:
        rows, _removed = _sync_labels(data.get("rows", []), list(question.rows),
                                      lambda label: MatrixRow(label=label))
        question.rows = rows
    question.has_other = bool(data.get("has_other")) and kind.has_other
    question.settings = dict(data.get("settings") or {})


def add_question(actor: User, survey: Survey, section: SurveySection, kind: Kind | str,
                 data: dict) -> Question:
    """A new question at the end of the section. `data` holds prompt, help_text, required, options, rows,
    has_other, settings, condition_option_id, condition_negate (as the question form gives them)."""
    _start_change(survey)
    question = Question(survey=survey, section=section, kind=kind,
                        position=max((q.position for q in section.questions), default=0) + 1)
    db.session.add(question)
    _fill_question(question, data)
    db.session.flush()
    record(actor, "survey.question.add", survey, question.prompt[:200], body_id=survey.body_id)
    return question


def update_question(actor: User, question: Question, section: SurveySection, data: dict) -> Question:
    """Change a question; moving it to another section puts it at the end of that section."""
    survey = question.survey
    _start_change(survey)
    if section is not question.section:
        question.position = max((q.position for q in section.questions), default=0) + 1
        question.section = section
    _fill_question(question, data)
    db.session.flush()
    record(actor, "survey.question.update", survey, question.prompt[:200], body_id=survey.body_id)
    return question


def _fill_question(question: Question, data: dict) -> None:
    question.prompt = data["prompt"]
    question.help_text = data.get("help_text") or ""
    question.required = bool(data.get("required"))
    _apply_structure(question, data)
    option_id = data.get("condition_option_id") or None
    more = data.get("more_conditions") or []
    own = {o.id for o in question.options}
    if (option_id is not None and option_id in own) or any(o in own for o, _n in more):
        raise SurveyError(_("A question cannot depend on itself."), "condition_option")
    _set_condition(question, option_id, data.get("condition_negate", False), more, data.get("condition_any"))
    db.session.flush()
    check_conditions(question.survey)


def delete_question(actor: User, question: Question) -> None:
    survey = question.survey
    _start_change(survey)
    used = _dependents(survey, {o.id for o in question.options})
    if used:
        raise SurveyError(_("Other parts of the survey depend on this question: %(names)s. Change their "
                            "conditions first.", names="; ".join(used)))
    section = question.section
    db.session.delete(question)
    section.questions.remove(question)
    _renumber(sorted(section.questions, key=lambda q: q.position))
    db.session.flush()
    record(actor, "survey.question.delete", survey, question.prompt[:200], body_id=survey.body_id)


def move_question(actor: User, question: Question, direction: str) -> None:
    """One place up or down within its section (use the edit form to change section)."""
    survey = question.survey
    _start_change(survey)
    _renumber(_moved(sorted(question.section.questions, key=lambda q: q.position), question, direction))
    check_conditions(survey)
    db.session.flush()


def duplicate_question(actor: User, question: Question) -> Question:
    """A copy right below the original, with the same options, rows and condition."""
    survey = question.survey
    _start_change(survey)
    siblings = sorted(question.section.questions, key=lambda q: q.position)
    clone = _clone_question(question, survey=survey, section=question.section)
    clone.prompt = _("%(prompt)s (copy)", prompt=question.prompt)[:500]
    clone.condition_option_id = question.condition_option_id
    clone.extra_conditions = [SurveyCondition(position=c.position, option_id=c.option_id, negate=c.negate)
                              for c in question.extra_conditions]
    siblings.insert(siblings.index(question) + 1, clone)
    _renumber(siblings)
    db.session.flush()
    record(actor, "survey.question.duplicate", survey, question.prompt[:200], body_id=survey.body_id)
    return clone


# --- answering ------------------------------------------------------------------------------------------


def token_hash(survey_id: int, token: str) -> str:
    """What the ledger keeps of a browser's random cookie token: an HMAC keyed with SECRET_KEY and bound to
    the survey, so the same browser cannot be followed from one survey's ledger to another's."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"survey-participation:{survey_id}:{token}".encode(), hashlib.sha256).hexdigest()


def submit_response(survey: Survey, rows: list[dict], channel: Channel = Channel.WEB,
                    user: User | None = None, browser_token_hash: str | None = None,
                    invitation_token: str | None = None, draft_of: int | None = None) -> int | None:
    """Store one response and, for web answers, the participant in the ledger first, in the same transaction:
    a second submit by the same person or browser hits the ledger's unique index and raises AlreadyAnswered,
    whatever the timing. Anonymous surveys store no person on the response and nothing on the ledger that
    points at the response; their web responses are held and released in shuffled batches
    (civic.surveys.batches), so neither order nor time pairs a ledger row with a response, and return None.
    Other responses are written at once (a few Core statements, no ORM objects) and return their id.

    Web answers follow the survey's rule of who may answer (eligibility.NotEligible otherwise). A person with
    an account is kept in the ledger by a keyed hash too (eligibility.person_hash), which outlives the
    account; on an anonymous survey a person with SPID/CIE is kept by that hash alone, without the account.
    On an invited-only survey the invitation is marked used in the same transaction (invitations.use raises
    InvitationRefused when it is not valid or already used); nothing of the response is written on it.
    `draft_of`: the account whose saved draft of the survey goes, now that it is sent.

    On PostgreSQL a web answer's writes (ledger, response and answers or the held response, the draft's
    deletion) are one statement, with writable common table expressions; SQLite runs them one by one."""
    pagecache.changes(f"survey:{survey.id}")  # only this survey's kept pages go stale (civic.core.pagecache)
    verified = False
    if channel == Channel.WEB:
        eligibility.require(survey.rule, user)
        verified = verified_resident(survey, user)
        user_id = user.id if user is not None else None
        if user_id is None and browser_token_hash is None:
            raise ValueError("a web response needs a user or a browser token")
        voice = participant_hash(survey, user)
        if voice is not None:
            browser_token_hash = voice.hash
            if survey.anonymous and voice.identity:
                user_id = None
        ledger = {"id": new_participation_id(), "survey_id": survey.id, "user_id": user_id,
                  "token_hash": browser_token_hash,
                  "answered_on": None if survey.anonymous else local_today()}
        if not survey.invited_only and db.session.get_bind().dialect.name == "postgresql":
            return _submit_at_once(survey, ledger, rows, user, verified, draft_of)
        try:
            db.session.execute(_LEDGER, ledger)
        except IntegrityError as error:
            raise AlreadyAnswered() from error
        if survey.invited_only:
            invitations.use(survey, invitation_token)
        if draft_of is not None:
            drafts.discard(survey.id, draft_of)
        if survey.anonymous:
            batches.hold(survey, rows, verified)
            return None
    response_id = db.session.execute(insert(Response.__table__).values(
        survey_id=survey.id, channel=channel,
        # An anonymous survey's responses carry the day at most (paper ones too: one rule for all of them).
        submitted_at=batches.release_day() if survey.anonymous else utcnow(),
        user_id=user.id if (user is not None and channel == Channel.WEB and not survey.anonymous) else None,
        verified=verified,
    )).inserted_primary_key[0]
    if user is not None and channel == Channel.WEB and not survey.anonymous:
        # Named answers only: an anonymous one must stay unlinkable to the person, so it follows nothing.
        took_part(user.id, "consultation", survey.consultation_id)
    if rows:
        # Every row has the same columns, so the whole response is one executemany statement.
        db.session.execute(insert(Answer.__table__), [{**row, "response_id": response_id} for row in rows])
    return response_id


_LEDGER = insert(Participation.__table__)  # the values come with each answer


def _submit_at_once(survey: Survey, ledger: dict, rows: list[dict], user: User | None, verified: bool,
                    draft_of: int | None) -> int | None:
    """A web answer's writes as one PostgreSQL statement: the ledger row, the draft's deletion, and the held
    response (anonymous: the statement reads how many were waiting before it) or the response with its
    answers (named: it returns the response's id). The ledger's unique index fails the whole statement, so
    nothing of a second answer is written. Written rows and their order are those of the statements run one
    by one (SQLite's path): the held responses' batches keep ledger and responses unpaired.

    The statement is built once per shape (anonymous or not, with a draft or not, how many answer rows) and
    run with bound values: building and keying it anew cost more than the rest of the answer."""
    params = {f"ledger_{name}": value for name, value in ledger.items()}
    params["draft_user"] = draft_of
    if survey.anonymous:
        params.update({f"held_{name}": value
                       for name, value in batches.held_row(survey, rows, verified).items()})
        params.update(batches.release_turn_values())
        statement = _held_statement(draft_of is not None)
    else:
        params.update(survey_id=survey.id, submitted_at=utcnow(), verified=verified,
                      user_id=user.id if user is not None else None)
        for n, row in enumerate(rows):
            params.update({f"{name}_{n}": row.get(name) for name in ANSWER_VALUES})
        statement = _named_statement(draft_of is not None, len(rows))
    connection = db.session.connection()
    try:
        # Core (no ORM execution step), and the whole answer: it needs no transaction around it.
        with statement_alone(connection) as alone:
            found = connection.execute(statement, params).one()
    except IntegrityError as error:
        raise AlreadyAnswered() from error
    if survey.anonymous:
        waiting, turn = found
        # Run alone, the statement's hold on the survey's turn ended with it: the release takes it again.
        batches.held_then(survey, waiting + 1, turn and (not alone or batches.take_turn(survey.id)))
        return None
    if user is not None:
        took_part(user.id, "consultation", survey.consultation_id)
    return found[0]


def _ledger_parts(with_draft: bool) -> list:
    """The ledger row's insert and, for a sent draft, its deletion, as common table expressions."""
    table = Participation.__table__
    parts = [insert(table).values({name: bindparam(f"ledger_{name}", type_=table.c[name].type)
                                   for name in ("id", "survey_id", "user_id", "token_hash", "answered_on")})
             .returning(table.c.id).cte("ledger")]
    if with_draft:
        drafts_ = SurveyDraft.__table__
        parts.append(delete(drafts_).where(drafts_.c.survey_id == bindparam("ledger_survey_id"),
                                           drafts_.c.user_id == bindparam("draft_user"))
                     .returning(drafts_.c.survey_id).cte("draft"))
    return parts


@functools.cache
def _held_statement(with_draft: bool):
    held = HeldResponse.__table__
    held_values = {name: bindparam(f"held_{name}", type_=held.c[name].type)
                   for name in ("key", "survey_id", "sealed")}
    parts = [*_ledger_parts(with_draft), insert(held).values(held_values).returning(held.c.key).cte("held")]
    # Sub-statements do not see each other's rows: the count is of those waiting before this one.
    survey_id = bindparam("held_survey_id", type_=held.c.survey_id.type)
    waiting = func.count()
    return select(waiting, batches.release_turn(waiting, survey_id)).select_from(held) \
        .where(held.c.survey_id == survey_id).add_cte(*parts)


@functools.lru_cache(maxsize=64)
def _named_statement(with_draft: bool, answer_rows: int):
    responses, answers = Response.__table__, Answer.__table__
    response = insert(responses).values(
        survey_id=bindparam("survey_id", type_=responses.c.survey_id.type), channel=Channel.WEB,
        submitted_at=bindparam("submitted_at", type_=responses.c.submitted_at.type),
        user_id=bindparam("user_id", type_=responses.c.user_id.type),
        verified=bindparam("verified", type_=responses.c.verified.type),
    ).returning(responses.c.id).cte("response")
    parts = [*_ledger_parts(with_draft)]
    if answer_rows:
        given = values(column("n", Integer()),
                       *(column(name, answers.c[name].type) for name in ANSWER_VALUES), name="given") \
            .data([(n, *(bindparam(f"{name}_{n}", type_=answers.c[name].type) for name in ANSWER_VALUES))
                   for n in range(answer_rows)])
        # A column of NULLs alone in VALUES would be text: each is cast to its column's type. The answers take
        # their ids in the order of the submission, as the executemany gives them.
        typed = (cast(given.c[name], answers.c[name].type) for name in ANSWER_VALUES)
        chosen = select(response.c.id, *typed).select_from(response).join(given, true()).order_by(given.c.n)
        parts.append(insert(answers).from_select(["response_id", *ANSWER_VALUES], chosen)
                     .returning(answers.c.id).cte("answers"))
    return select(response.c.id).add_cte(*parts)


def verified_resident(survey: Survey, user: User | None) -> bool:
    """Whether the person answering is a verified resident of the survey's body now (kept on the response as
    a yes or no, never who): without a query when the survey takes verified residents only."""
    if user is None or not user.is_authenticated:
        return False
    if survey.audience == eligibility.Audience.RESIDENT:
        return True  # eligibility.require checked it
    return eligibility.person(user, survey.body_id).verified  # read with the person's voice: no query more


def participant_hash(survey: Survey, user: User | None) -> eligibility.Voice | None:
    """The keyed hash that keeps a person with an account in the survey's ledger (read with whether the
    person is a verified resident of the survey's body: one query for both, once per request)."""
    return eligibility.voice("survey", survey.id, user, body_id=survey.body_id)


def forget_accounts(user: User) -> None:
    """Before an account is deleted: its ledger rows stay, without the account and the day, as the keyed
    hash of the person alone, so the same person cannot answer the same survey again with a new account;
    invitations to its address go, or lose the address (civic.surveys.invitations.forget_address)."""
    db.session.execute(update(Participation).where(Participation.user_id == user.id,
                                                   Participation.token_hash.is_not(None))
                       .values(user_id=None, answered_on=None))
    invitations.forget_address(user.email)


def record_paper_response(actor: User, survey: Survey, rows: list[dict], channel: Channel) -> int:
    """A response collected on paper or at a meeting, typed in by a councillor: no ledger entry (one
    councillor enters many), the channel recorded, the councillor in the audit log (never on the response)."""
    if channel == Channel.WEB:
        raise SurveyError(_("Choose where the response was collected."), "channel")
    if survey.status == SurveyStatus.DRAFT:
        raise SurveyError(_("Open the survey before entering responses."))
    response_id = submit_response(survey, rows, channel=channel)
    record(actor, "survey.paper_response", survey, str(channel), body_id=survey.body_id)
    return response_id
