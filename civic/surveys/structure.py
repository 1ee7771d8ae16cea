"""What checking a submission needs of a survey's questions, as immutable plain values, cached per process;
and what answering reads of the survey itself (`answering`), kept per process too.

Submitting a response reads the questions, their sections' conditions, options and matrix rows, but none of
their texts, and loading them as ORM objects cost more than the rest of the request. Here they are read with
two plain queries and kept per process, keyed by the survey's id, creation time and `updated_at`: every
change of the questions goes through civic.surveys.services, which moves `updated_at`
(`structure_changed`), and once anyone has answered the questions cannot change at all. The creation time
tells apart two surveys that got the same id in turn (tests empty the tables and restart the ids).

The objects answer the same attribute names as the models (`survey.ordered_questions()`, `question.section`,
`question.options`, `question.setting(...)`), so civic.surveys.validation reads either."""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import bindparam, case, literal_column, select, union_all

from civic.bodies.models import Body
from civic.census.eligibility import Audience, Rule
from civic.consultations.models import Consultation, ConsultationStatus
from civic.core import pagecache
from civic.core.lru import LRU
from civic.database import db
from civic.surveys.kinds import Kind
from civic.surveys.models import (
    MatrixRow,
    Question,
    QuestionOption,
    Survey,
    SurveyCondition,
    SurveySection,
    SurveyStatus,
    survey_phase,
    survey_public,
)

CACHE_SIZE = 64  # surveys per process; an entry is a few kilobytes
# Which table (and owner) a line of the options-and-rows query comes from.
OPTION, ROW, QUESTION_CONDITION, SECTION_CONDITION = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Choice:
    """An option (a matrix column) or a matrix row."""

    id: int
    label: str


class _Conditional:
    """conditions() as the models' ConditionMixin: the first condition, then the further ones."""

    __slots__ = ()

    def conditions(self) -> list[tuple[int, bool]]:
        first = [(self.condition_option_id, self.condition_negate)] if self.condition_option_id else []
        return first + list(self.extra)


@dataclass(frozen=True, slots=True)
class SectionShape(_Conditional):
    id: int
    position: int
    condition_option_id: int | None
    condition_negate: bool
    condition_any: bool = False
    extra: tuple[tuple[int, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class QuestionShape(_Conditional):
    id: int
    kind: Kind
    required: bool
    has_other: bool
    condition_option_id: int | None
    condition_negate: bool
    settings: Mapping[str, Any]
    section: SectionShape
    options: tuple[Choice, ...]
    rows: tuple[Choice, ...]
    condition_any: bool = False
    extra: tuple[tuple[int, bool], ...] = ()

    def setting(self, name: str, default=None):
        return self.settings.get(name, default)


@dataclass(frozen=True, slots=True)
class SurveyShape:
    survey_id: int
    questions: tuple[QuestionShape, ...]

    def ordered_questions(self) -> list[QuestionShape]:
        """In the order a respondent meets them, as Survey.ordered_questions()."""
        return list(self.questions)


def load(survey_id: int) -> SurveyShape:
    """Two queries: the questions with their sections, in answering order; the options, matrix rows and
    further conditions of sections and questions."""
    questions = db.session.execute(
        select(Question.id, Question.kind, Question.required, Question.has_other,
               Question.condition_option_id, Question.condition_negate, Question.settings, SurveySection.id,
               SurveySection.position, SurveySection.condition_option_id, SurveySection.condition_negate,
               Question.condition_any, SurveySection.condition_any)
        .join(SurveySection, SurveySection.id == Question.section_id)
        .where(Question.survey_id == survey_id)
        .order_by(SurveySection.position, SurveySection.id, Question.position, Question.id)
    ).all()
    choices: dict[tuple[int, int], list[Choice]] = {}
    parts = [
        select(literal_column(str(part)).label("part"), model.question_id, model.id, model.label,
               model.position)
        .join(Question, Question.id == model.question_id)
        .where(Question.survey_id == survey_id)
        for part, model in ((OPTION, QuestionOption), (ROW, MatrixRow))
    ]
    # The further conditions ride along: (part, owner id, option id, "1" when negated, position).
    negated = case((SurveyCondition.negate, "1"), else_="0")
    parts += [
        select(literal_column(str(QUESTION_CONDITION)).label("part"), SurveyCondition.question_id,
               SurveyCondition.option_id, negated, SurveyCondition.position)
        .join(Question, Question.id == SurveyCondition.question_id)
        .where(Question.survey_id == survey_id),
        select(literal_column(str(SECTION_CONDITION)).label("part"), SurveyCondition.section_id,
               SurveyCondition.option_id, negated, SurveyCondition.position)
        .join(SurveySection, SurveySection.id == SurveyCondition.section_id)
        .where(SurveySection.survey_id == survey_id),
    ]
    listed = union_all(*parts).subquery()
    extra: dict[tuple[str, int], list[tuple[int, bool]]] = {}
    for part, owner_id, choice_id, label, _position in db.session.execute(
        select(listed).order_by(listed.c.part, listed.c.question_id, listed.c.position, listed.c.id)
    ):
        if part in (OPTION, ROW):
            choices.setdefault((part, owner_id), []).append(Choice(choice_id, label))
        else:
            key = ("q" if part == QUESTION_CONDITION else "s", owner_id)
            extra.setdefault(key, []).append((choice_id, label == "1"))
    sections: dict[int, SectionShape] = {}
    shaped = []
    for (question_id, kind, required, has_other, condition_option_id, condition_negate, settings,
         section_id, position, section_condition, section_negate, question_any, section_any) in questions:
        section = sections.setdefault(section_id, SectionShape(
            section_id, position, section_condition, bool(section_negate), bool(section_any),
            tuple(extra.get(("s", section_id), ()))))
        shaped.append(QuestionShape(
            id=question_id, kind=kind, required=bool(required), has_other=bool(has_other),
            condition_option_id=condition_option_id, condition_negate=bool(condition_negate),
            settings=MappingProxyType(dict(settings or {})), section=section,
            options=tuple(choices.get((OPTION, question_id), ())),
            rows=tuple(choices.get((ROW, question_id), ())),
            condition_any=bool(question_any), extra=tuple(extra.get(("q", question_id), ())),
        ))
    return SurveyShape(survey_id, tuple(shaped))


# The shapes of the most recently answered surveys of this process: survey id -> (version, shape).
_cache = LRU(CACHE_SIZE)


def shape_of(survey: Survey) -> SurveyShape:
    """The survey's questions for checking a submission: from this process's cache while the survey is
    unchanged, otherwise loaded (two queries) and cached."""
    version = (survey.created_at, survey.updated_at)
    found = _cache.get(survey.id)
    if found is not None and found[0] == version:
        return found[1]
    shape = load(survey.id)
    _cache.put(survey.id, (version, shape))
    return shape


# --- the survey itself --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnsweringSurvey:
    """What a submitted answer reads of its survey (whether it is public and open, who may answer, where and
    how the answer is kept), as plain values answering the models' names: `is_public`, `phase()`, `rule`,
    `body_id`. The models' rules decide (civic.surveys.models.survey_public and survey_phase)."""

    id: int
    consultation_id: int
    body_id: int
    status: SurveyStatus
    consultation_status: ConsultationStatus
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    audience: Audience
    audience_level: int
    anonymous: bool
    paged: bool
    invited_only: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def is_public(self) -> bool:
        return survey_public(self.status, self.consultation_status)

    def phase(self, now: dt.datetime | None = None) -> str:
        return survey_phase(self.status, self.opens_at, self.closes_at, now)

    @property
    def rule(self) -> Rule:
        # The body's name only when a sentence names it, as Survey.rule.
        return Rule(self.audience, self.audience_level, self.body_id,
                    lambda: db.session.scalar(select(Body.name).where(Body.id == self.body_id)),
                    self.invited_only)


@functools.cache
def _answering_statement():
    surveys, consultations = Survey.__table__, Consultation.__table__
    return select(*(surveys.c[name] for name in ("id", "consultation_id")), consultations.c.body_id,
                  surveys.c.status, consultations.c.status,
                  *(surveys.c[name] for name in ("opens_at", "closes_at", "audience", "audience_level",
                                                 "anonymous", "paged", "invited_only", "created_at",
                                                 "updated_at"))) \
        .join(consultations, consultations.c.id == surveys.c.consultation_id) \
        .where(surveys.c.id == bindparam("survey_id"))


def _read_answering(survey_id: int) -> AnsweringSurvey | None:
    row = db.session.execute(_answering_statement(), {"survey_id": survey_id}).first()
    return AnsweringSurvey(*row) if row is not None else None


def answering(survey_id: int) -> AnsweringSurvey | None:
    """The survey as answering reads it, or None when there is none. Kept in this process under the page
    cache's "base" generation (civic.core.pagecache.remembered with no keys), which every committed write to
    the surveys or consultations tables moves (neither is a keyed table: a councillor's change of settings,
    status or times, a consultation's status), while answers, which are keyed, leave it: a busy survey's
    answers read it once per process. Without the page cache, or while its store does not answer, it is read
    each time (one query)."""
    return pagecache.remembered(f"survey-answering:{survey_id}", lambda: _read_answering(survey_id), keys=())
