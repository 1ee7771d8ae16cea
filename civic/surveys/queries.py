"""Reads about surveys. Each returns a select() (or a SQL expression) the caller executes or paginates."""
from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, false, func, not_, or_, select, true
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from civic.census import queries as census_queries
from civic.consultations.models import Consultation, ConsultationStatus
from civic.identity import queries as identities
from civic.surveys.models import (
    Answer,
    MatrixRow,
    Participation,
    Question,
    QuestionOption,
    Response,
    Survey,
    SurveyDraft,
    SurveySection,
    SurveyStatus,
)


def survey_with_structure(survey_id: int) -> Select[tuple[Survey]]:
    """The survey with its consultation, sections, questions, options and matrix rows: five queries in all
    (the further conditions of sections and questions, civic.surveys.conditions, come joined)."""
    return select(Survey).where(Survey.id == survey_id).options(
        selectinload(Survey.sections).options(
            joinedload(SurveySection.extra_conditions),
            selectinload(SurveySection.questions).options(
                selectinload(Question.options), selectinload(Question.rows),
                joinedload(Question.extra_conditions),
            ),
        )
    )


def response_count(survey_id: int) -> Select[tuple[int]]:
    return select(func.count(Response.id)).where(Response.survey_id == survey_id)


def response_counts(survey_ids: list[int]) -> Select[tuple[int, int]]:
    """(survey id, number of responses) for these surveys, in one GROUP BY."""
    return (
        select(Response.survey_id, func.count(Response.id))
        .where(Response.survey_id.in_(survey_ids))
        .group_by(Response.survey_id)
    )


def manageable_surveys(body_ids: frozenset[int] | None) -> Select[tuple[Survey]]:
    """The surveys of these bodies (None: every body, for admins), newest first, with their consultation."""
    query = select(Survey).join(Survey.consultation).order_by(Survey.created_at.desc(), Survey.id.desc())
    if body_ids is not None:
        query = query.where(Consultation.body_id.in_(body_ids))
    return query


def manageable_consultations(body_ids: frozenset[int] | None) -> Select[tuple[Consultation]]:
    """Consultations a survey can be added to, for the select box (None: every body)."""
    query = select(Consultation).where(Consultation.status != ConsultationStatus.ARCHIVED).order_by(
        Consultation.title
    )
    if body_ids is not None:
        query = query.where(Consultation.body_id.in_(body_ids))
    return query


def public_surveys() -> Select[tuple[Survey]]:
    """Surveys citizens can see (not drafts, in public consultations): open ones first, then newest."""
    return (
        select(Survey)
        .join(Survey.consultation)
        .where(Survey.status != SurveyStatus.DRAFT, Consultation.status != ConsultationStatus.DRAFT)
        .order_by((Survey.status == SurveyStatus.OPEN).desc(), Survey.created_at.desc(), Survey.id.desc())
    )


def consultation_surveys(consultation_id: int) -> Select[tuple[Survey]]:
    """The public surveys of one consultation, in the order they were made."""
    return select(Survey).where(
        Survey.consultation_id == consultation_id, Survey.status != SurveyStatus.DRAFT
    ).order_by(Survey.id)


def participation_of(survey_id: int, user_id: int | None, token_hash: str | None) -> Select[tuple[str]]:
    """The ledger entry saying this person (or browser) has answered; never which response is theirs."""
    clauses = []
    if user_id is not None:
        clauses.append(Participation.user_id == user_id)
    if token_hash is not None:
        clauses.append(Participation.token_hash == token_hash)
    return select(Participation.id).where(Participation.survey_id == survey_id,
                                          or_(*clauses) if clauses else false())


def seen_clause(survey: Survey, question: Question) -> ColumnElement[bool]:
    """A SQL condition on Response.id: true when that respondent was shown the question (its section's and its
    own conditions held, recursively up the questions they depend on). For the results: "who saw it" is
    `select(count()).where(Response.survey_id == id, seen_clause(survey, question))`, all in SQL."""
    question_of_option = {option.id: q for q in survey.ordered_questions() for option in q.options}

    def holds(option_id: int | None, negate: bool, depth: int) -> ColumnElement[bool]:
        if option_id is None:
            return true()
        source = question_of_option.get(option_id)
        if source is None or depth > 50:
            return false()
        chosen = exists().where(
            Answer.response_id == Response.id, Answer.question_id == source.id, Answer.option_id == option_id
        )
        return and_(shown(source, depth + 1), not_(chosen) if negate else chosen)

    def all_hold(thing, depth: int) -> ColumnElement[bool]:
        parts = [holds(option_id, negate, depth) for option_id, negate in thing.conditions()]
        if not parts:
            return true()
        return or_(*parts) if thing.condition_any else and_(*parts)

    def shown(q: Question, depth: int) -> ColumnElement[bool]:
        return and_(all_hold(q.section, depth), all_hold(q, depth))

    return shown(question, 0)


def named_respondents(consultation_id: int) -> Select:
    """The people whose named responses answer a survey of the consultation (for its participants)."""
    return (select(Response.user_id).join(Survey, Survey.id == Response.survey_id)
            .where(Survey.consultation_id == consultation_id, Response.user_id.is_not(None)))


# --- one person's records ("download my data") --------------------------------------------------------------
# Anonymous surveys: a response to one carries no person, so only the participation ledger ("took part") is
# read; answers are read only from responses that name the person (named surveys).


def draft_of(survey_id: int, user_id: int) -> Select[tuple[SurveyDraft]]:
    """The person's saved answers to the survey, if any."""
    return select(SurveyDraft).where(SurveyDraft.survey_id == survey_id, SurveyDraft.user_id == user_id)


def drafts_of(user_id: int) -> Select:
    """The person's saved drafts, with the survey's title (for "download my data")."""
    return (select(Survey.id.label("survey_id"), Survey.title, SurveyDraft.saved_at, SurveyDraft.answers)
            .join(Survey, Survey.id == SurveyDraft.survey_id)
            .where(SurveyDraft.user_id == user_id)
            .order_by(Survey.id))


def participations_of(user_id: int) -> Select:
    """The surveys the person took part in, anonymous ones included: the ledger says only that they did."""
    return (select(Survey.id.label("survey_id"), Survey.title, Survey.anonymous, Participation.answered_on)
            .join(Survey, Survey.id == Participation.survey_id)
            .where(Participation.user_id == user_id)
            .order_by(Survey.id))


def named_responses_of(user_id: int) -> Select:
    """The person's responses to named surveys (the survey's flag is checked too, so a survey made anonymous
    later is not read back by name)."""
    return (select(Response.id).join(Survey, Survey.id == Response.survey_id)
            .where(Response.user_id == user_id, Survey.anonymous.is_(False)))


def named_answers_of(user_id: int) -> Select:
    """Every answer of the person's named responses, one row per atomic value, grouped by response and in the
    order a respondent meets the questions."""
    return (select(Response.id.label("response_id"), Survey.id.label("survey_id"),
                   Survey.title.label("survey"), Response.submitted_at, Question.kind, Question.prompt,
                   MatrixRow.label.label("row"), QuestionOption.label.label("option"), Answer.rank,
                   Answer.number, Answer.text)
            .select_from(Answer)
            .join(Response, Response.id == Answer.response_id)
            .join(Survey, Survey.id == Response.survey_id)
            .join(Question, Question.id == Answer.question_id)
            .join(SurveySection, SurveySection.id == Question.section_id)
            .outerjoin(QuestionOption, QuestionOption.id == Answer.option_id)
            .outerjoin(MatrixRow, MatrixRow.id == Answer.row_id)
            .where(Response.user_id == user_id, Survey.anonymous.is_(False))
            .order_by(Response.id, SurveySection.position, Question.position, Question.id,
                      MatrixRow.position, Answer.rank, QuestionOption.position, Answer.id))


def in_phase(phase: str, now: dt.datetime) -> ColumnElement[bool]:
    """Survey.phase(now) in SQL, for surveys that are not drafts: "upcoming", "open" or "closed"."""
    closed = or_(Survey.status == SurveyStatus.CLOSED,
                 and_(Survey.closes_at.is_not(None), Survey.closes_at <= now))
    if phase == "closed":
        return closed
    upcoming = and_(Survey.opens_at.is_not(None), Survey.opens_at > now)
    return and_(not_(closed), upcoming if phase == "upcoming" else not_(upcoming))


def open_surveys(now: dt.datetime, limit: int) -> Select[tuple[Survey]]:
    """Public surveys taking answers now, the soonest to close first (those without a closing time last),
    with their consultation and body: one query (for the home page)."""
    return (select(Survey).join(Survey.consultation)
            .where(Survey.status == SurveyStatus.OPEN, Consultation.status != ConsultationStatus.DRAFT,
                   in_phase("open", now))
            .options(contains_eager(Survey.consultation).joinedload(Consultation.body))
            .order_by(Survey.closes_at.is_(None), Survey.closes_at, Survey.id)
            .limit(limit))


def closing_soon_count(body_ids: frozenset[int] | None, now: dt.datetime, within: dt.timedelta) -> Select:
    """How many surveys of these bodies (None: every body) take answers now and close within `within`."""
    query = (select(func.count(Survey.id)).join(Survey.consultation)
             .where(Survey.status == SurveyStatus.OPEN, in_phase("open", now),
                    Survey.closes_at.is_not(None), Survey.closes_at <= now + within))
    if body_ids is not None:
        query = query.where(Consultation.body_id.in_(sorted(body_ids)))
    return query


@functools.cache
def personal_state() -> Select:
    """What decides, before the answering page is rendered, whether a signed-in person's page differs from
    the shared one only in its slots, in one query: the survey's audience and invitation rule, whether an
    identity is linked to the account (then `voice_hash`, the e-mail's, is not their voice), whether they
    have answered (by account or by `voice_hash`), whether they saved a draft and until when they are a
    verified resident of the survey's body (None: not one). Built once: its values are survey_id, user_id,
    voice_hash and now."""
    survey_id, user_id = bindparam("survey_id"), bindparam("user_id")
    answered = exists().where(Participation.survey_id == survey_id,
                              or_(Participation.user_id == user_id,
                                  Participation.token_hash == bindparam("voice_hash")))
    saved = exists().where(SurveyDraft.survey_id == survey_id, SurveyDraft.user_id == user_id)
    resident = census_queries.verified_until(user_id, Consultation.body_id, bindparam("now"))
    identity = identities.subject_of_user(user_id).is_not(None)
    return (select(Survey.audience, Survey.invited_only, identity, answered, saved, resident)
            .join(Survey.consultation).where(Survey.id == survey_id))
