"""Reads for results, breakdowns, exports, the consultation dashboard and the open-data page. Each returns a
select(); every aggregate is a GROUP BY over indexed answer columns, so a page costs a fixed number of queries
whatever the number of responses."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, and_, case, distinct, func, or_, select
from sqlalchemy.orm import aliased, contains_eager

from civic.accounts.models import User
from civic.consultations.models import Consultation, ConsultationStatus
from civic.results.models import PublishedText
from civic.surveys.models import (
    Answer,
    Question,
    Response,
    ResultsVisibility,
    Survey,
    SurveyStatus,
)
from civic.surveys.queries import seen_clause


def _postgresql(dialect: str) -> bool:
    return dialect == "postgresql"


# --- the results page ---------------------------------------------------------------------------------------


def response_fingerprint(survey_id: int) -> Select:
    """(responses, highest response id), as two subqueries of one statement (so both see the same state), each
    on the (survey_id, id) index: on its own the highest id is a single index probe, and the count reads the
    survey's index entries only. In one SELECT with the count, the maximum took a scan too: at 100,000
    responses 15 ms on SQLite, now 4 to 6 (21 and 13 on PostgreSQL)."""
    count = select(func.count()).select_from(Response).where(Response.survey_id == survey_id)
    last = select(func.max(Response.id)).where(Response.survey_id == survey_id)
    return select(count.scalar_subquery(), last.scalar_subquery())


# Responses added since aggregates were computed: (after, upto), the ids greater than `after` and at most
# `upto`. Every aggregate below takes one, and then reads only those responses' rows: answers through the
# (question_id, response_id) index, responses through their primary key.
Span = tuple[int, int]


def _answers_in(query: Select, span: Span | None) -> Select:
    return query if span is None else query.where(Answer.response_id > span[0], Answer.response_id <= span[1])


def _responses_in(query: Select, span: Span | None) -> Select:
    return query if span is None else query.where(Response.id > span[0], Response.id <= span[1])


def respondents(survey: Survey, conditional: Sequence[Question], span: Span | None = None) -> Select:
    """One row: the number of responses, then for each conditional question the number of respondents who
    were shown it (its section's and its own conditions held). Unconditional questions are shown to every
    respondent, so they need no column."""
    columns = [func.count(Response.id)]
    columns += [func.coalesce(func.sum(case((seen_clause(survey, question), 1), else_=0)), 0)
                for question in conditional]
    return _responses_in(select(*columns).where(Response.survey_id == survey.id), span)


def answered(question_ids: Sequence[int], span: Span | None = None) -> Select:
    """(question id, respondents who answered it): COUNT DISTINCT, since a multiple choice, ranking or matrix
    answer is several rows of one response."""
    return _answers_in(select(Answer.question_id, func.count(distinct(Answer.response_id)))
                       .where(Answer.question_id.in_(question_ids)).group_by(Answer.question_id), span)


def answered_once(question_ids: Sequence[int], span: Span | None = None) -> Select:
    """(question id, answer rows) for kinds stored as one row per response (texts, numbers, dates, single
    choice), where the plain count is the number of respondents and needs no DISTINCT."""
    return _answers_in(select(Answer.question_id, func.count())
                       .where(Answer.question_id.in_(question_ids)).group_by(Answer.question_id), span)


def option_counts(question_ids: Sequence[int], span: Span | None = None) -> Select:
    """(question id, option id or None for "other", matrix row id or None, count) for choice and matrix
    questions: an index-only scan of (question_id, option_id, row_id). A multiple-choice answer is one row per
    chosen option, so each option is counted on its own (never as a combination)."""
    return _answers_in(select(Answer.question_id, Answer.option_id, Answer.row_id, func.count())
                       .where(Answer.question_id.in_(question_ids))
                       .group_by(Answer.question_id, Answer.option_id, Answer.row_id), span)


def rank_counts(question_ids: Sequence[int], span: Span | None = None) -> Select:
    """(question id, option id, rank, count) for ranking questions."""
    return _answers_in(select(Answer.question_id, Answer.option_id, Answer.rank, func.count())
                       .where(Answer.question_id.in_(question_ids))
                       .group_by(Answer.question_id, Answer.option_id, Answer.rank), span)


def value_counts(question_ids: Sequence[int], span: Span | None = None) -> Select:
    """(question id, value, count): the distribution of scale and number answers, over (question_id, number).
    Every figure of a numeric question (count, mean, deviation, minimum, maximum, median) follows from it."""
    return _answers_in(select(Answer.question_id, Answer.number, func.count())
                       .where(Answer.question_id.in_(question_ids), Answer.number.is_not(None))
                       .group_by(Answer.question_id, Answer.number)
                       .order_by(Answer.question_id, Answer.number), span)


def date_months(question_ids: Sequence[int], span: Span | None = None) -> Select:
    """(question id, "YYYY-MM", count) for date questions (stored as ISO text)."""
    month = func.substr(Answer.text, 1, 7)
    return _answers_in(select(Answer.question_id, month, func.count())
                       .where(Answer.question_id.in_(question_ids), Answer.text.is_not(None))
                       .group_by(Answer.question_id, month).order_by(Answer.question_id, month), span)


def _utc_hour(column, dialect: str):
    """"YYYY-MM-DD HH" of a UTC timestamp column (the caller turns hours into local days)."""
    if _postgresql(dialect):
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13)  # SQLite keeps UTC as "YYYY-MM-DD HH:MM:SS"


def responses_per_hour(survey_id: int, dialect: str, span: Span | None = None) -> Select:
    """(UTC hour, responses, responses from verified residents): at most 24 rows a day, folded into
    Europe/Rome days by the caller."""
    hour = _utc_hour(Response.submitted_at, dialect)
    verified = func.coalesce(func.sum(case((Response.verified, 1), else_=0)), 0)
    return _responses_in(select(hour, func.count(), verified).where(Response.survey_id == survey_id)
                         .group_by(hour).order_by(hour), span)


def published_text_ids(survey_id: int) -> Select:
    return select(PublishedText.question_id).where(PublishedText.survey_id == survey_id)


def text_answers(question_id: int) -> Select:
    """The written answers of one question (free text, "other" text, dates), oldest first. Only the text:
    never the response or its person."""
    return (select(Answer.text).where(Answer.question_id == question_id, Answer.text.is_not(None))
            .order_by(Answer.id))


# --- breakdowns ---------------------------------------------------------------------------------------------


def crossed(row_question_id: int, column_question_id: int) -> Select:
    """(row option id or None for "other", column option id or None, respondents): respondents who gave both
    answers, joining the two questions' answers on the response (index on response_id, question_id)."""
    first, second = aliased(Answer), aliased(Answer)
    return (select(first.option_id, second.option_id, func.count())
            .join(second, and_(second.response_id == first.response_id,
                               second.question_id == column_question_id))
            .where(first.question_id == row_question_id)
            .group_by(first.option_id, second.option_id))


def answered_both(row_question_id: int, column_question_id: int) -> Select:
    """Respondents who answered both questions (the base of the breakdown's percentages)."""
    first, second = aliased(Answer), aliased(Answer)
    return (select(func.count(distinct(first.response_id)))
            .join(second, and_(second.response_id == first.response_id,
                               second.question_id == column_question_id))
            .where(first.question_id == row_question_id))


# --- exports ------------------------------------------------------------------------------------------------


def export_responses(survey_id: int, named: bool) -> Select:
    """The survey's responses in order, for the export: id, submission time, channel, and the person's name
    and e-mail only when asked for (named surveys)."""
    columns = [Response.id, Response.submitted_at, Response.channel]
    if named:
        columns += [User.display_name, User.email]
    query = select(*columns)
    if named:
        query = query.outerjoin(User, User.id == Response.user_id)
    return query.where(Response.survey_id == survey_id).order_by(Response.id)


def export_answers(survey_id: int) -> Select:
    """The answers of the survey's responses, ordered by response (as export_responses), question, then as
    given, so a stream can pivot them into one line per response: response id, question, option, matrix row,
    rank, number, text. Apart from the responses, whose columns would otherwise repeat on every answer."""
    return (select(Answer.response_id, Answer.question_id, Answer.option_id, Answer.row_id, Answer.rank,
                   Answer.number, Answer.text)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey_id).order_by(Response.id, Answer.question_id, Answer.id))


# --- councillors' lists and the consultation dashboard -------------------------------------------------


def managed_consultations(body_ids: frozenset[int] | None) -> Select[tuple[Consultation]]:
    """Consultations whose dashboard the user may open (None: every body, for admins), newest first, with
    their body in the same query."""
    query = (select(Consultation).join(Consultation.body).options(contains_eager(Consultation.body))
             .order_by(Consultation.created_at.desc(), Consultation.id.desc()))
    if body_ids is not None:
        query = query.where(Consultation.body_id.in_(body_ids))
    return query


def managed_surveys(body_ids: frozenset[int] | None) -> Select[tuple[Survey]]:
    """Surveys of these bodies (None: every body), newest first, with their consultation in the same query."""
    query = (select(Survey).join(Survey.consultation).options(contains_eager(Survey.consultation))
             .order_by(Survey.created_at.desc(), Survey.id.desc()))
    if body_ids is not None:
        query = query.where(Consultation.body_id.in_(body_ids))
    return query


def response_counts(survey_ids: Sequence[int]) -> Select:
    """(survey id, responses) for these surveys."""
    return (select(Response.survey_id, func.count(Response.id)).where(Response.survey_id.in_(survey_ids))
            .group_by(Response.survey_id))


def survey_response_totals(consultation_id: int) -> Select:
    """(survey, responses, responses that carry no person) for every survey of the consultation, drafts
    included (councillors' view). No person: anonymous surveys and paper answers."""
    unnamed = func.sum(case((Response.user_id.is_(None), 1), else_=0))
    counts = (select(Response.survey_id, func.count(Response.id).label("responses"),
                     unnamed.label("unnamed"))
              .group_by(Response.survey_id).subquery())
    return (select(Survey, func.coalesce(counts.c.responses, 0), func.coalesce(counts.c.unnamed, 0))
            .outerjoin(counts, counts.c.survey_id == Survey.id)
            .where(Survey.consultation_id == consultation_id).order_by(Survey.id))


def survey_responses_per_hour(consultation_id: int, dialect: str) -> Select:
    """(UTC hour, responses) over every survey of the consultation."""
    hour = _utc_hour(Response.submitted_at, dialect)
    return (select(hour, func.count()).join(Survey, Survey.id == Response.survey_id)
            .where(Survey.consultation_id == consultation_id).group_by(hour).order_by(hour))


# --- open data ----------------------------------------------------------------------------------------------


def open_data_surveys(now: dt.datetime) -> Select:
    """(survey, responses) for closed surveys whose results are public (closed, or open past their closing
    time), in public consultations; with consultation and body in the same query; latest closed first."""
    counts = (select(Response.survey_id, func.count(Response.id).label("responses"))
              .group_by(Response.survey_id).subquery())
    return (select(Survey, func.coalesce(counts.c.responses, 0))
            .join(Survey.consultation).join(Consultation.body)
            .outerjoin(counts, counts.c.survey_id == Survey.id)
            .where(or_(Survey.status == SurveyStatus.CLOSED,
                       and_(Survey.status == SurveyStatus.OPEN, Survey.closes_at <= now)),
                   Survey.results_visibility != ResultsVisibility.COUNCILLORS,
                   Consultation.status != ConsultationStatus.DRAFT)
            .options(contains_eager(Survey.consultation).contains_eager(Consultation.body))
            .order_by(Survey.closes_at.desc().nulls_last(), Survey.id.desc()))
