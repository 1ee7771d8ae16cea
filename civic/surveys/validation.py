"""Reading a submitted questionnaire: which questions the respondent saw, each answer checked on the server.

The browser's markup is only a suggestion: every value is parsed here against the survey as stored (the
models, or the same questions as plain values from civic.surveys.structure). The questions are read in the
order a respondent meets them, each by its own kind (civic.surveys.kinds); the result is either a message
per question (nothing is stored) or the answer rows, one per atomic value, ready for one insert.

Field names: q<id> (text, number, date, scale, choices), q<id>-other (the "other" text), q<id>-r<row id> (a
matrix row), q<id>-o<option id> (the rank of an option in a ranking question)."""
from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from civic.surveys.conditions import combine
from civic.surveys.kinds.base import Reading
from civic.surveys.models import Question, Survey
from civic.surveys.structure import QuestionShape, SurveyShape

# The models loaded with their structure, or the same questions as plain cached values (a submission).
AnySurvey = Survey | SurveyShape
AnyQuestion = Question | QuestionShape


@dataclass
class Submission:
    """What a respondent sent, read against the survey."""

    rows: list[dict] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    visible: set[int] = field(default_factory=set)
    # The sections shown, as their questions were met (sections after `through` are not met).
    sections: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Reader:
    """Reads one survey's submission in the order a respondent meets the questions, so a condition is checked
    against the answer already read for the earlier question it depends on."""

    def __init__(self, survey: AnySurvey, form: MultiDict):
        self.survey = survey
        self.reading = Reading(form)
        self.result = Submission()
        self.question_of_option = {option.id: question.id for question in survey.ordered_questions()
                                   for option in question.options}

    def shown(self, thing) -> bool:
        """A section or question shows when it has no condition, or when its conditions hold (all of them, or
        one of them with OR): each that the earlier question it depends on was shown and has (negated: has
        not) the option."""
        return combine(thing.conditions(), thing.condition_any, self.holds)

    def holds(self, option_id: int, negate: bool) -> bool:
        source = self.question_of_option.get(option_id)
        if source is None or source not in self.result.visible:
            return False
        return (option_id in self.reading.chosen.get(source, set())) != bool(negate)

    def read(self, through: int | None = None) -> Submission:
        for question in self.survey.ordered_questions():
            if through is not None and question.section.position > through:
                break
            if not self.shown(question.section):
                continue  # hidden: neither required nor stored, whatever the browser sent
            self.result.sections.add(question.section.id)
            if not self.shown(question):
                continue
            self.result.visible.add(question.id)
            error = question.kind.read(self.reading, question)
            if error:
                self.result.errors[question.id] = error
        self.result.rows = [] if self.result.errors else self.reading.rows
        return self.result


def read_submission(survey: AnySurvey, form: MultiDict) -> Submission:
    """Check a submitted form against the survey (loaded with its structure, or its SurveyShape). Hidden
    questions are ignored; every shown one is validated by its kind. Returns the answer rows, or an error
    message per question id."""
    return _Reader(survey, form).read()


def read_through(survey: Survey, form: MultiDict, position: int) -> tuple[Submission, _Reader]:
    """Read only the sections up to `position` (one section per page: what the respondent has seen so far).
    Returns the submission and the reader, which tells whether a later section shows (`reader.shown`)."""
    reader = _Reader(survey, form)
    reader.read(through=position)
    return reader.result, reader
