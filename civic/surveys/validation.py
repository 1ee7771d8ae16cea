"""Reading a submitted questionnaire: which questions the respondent saw, each answer checked on the server.

The browser's markup is only a suggestion: every value is parsed here against the survey as stored (the
models, or the same questions as plain values from civic.surveys.structure). The result is either a message
per question (nothing is stored) or the answer rows, one per atomic value, ready for one insert.

Field names: q<id> (text, number, date, scale, choices), q<id>-other (the "other" text), q<id>-r<row id> (a
matrix row), q<id>-o<option id> (the rank of an option in a ranking question)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from civic.surveys.models import Question, QuestionKind, Survey
from civic.surveys.structure import QuestionShape, SurveyShape

OTHER = "other"
DEFAULT_MAX_LENGTH = {QuestionKind.SHORT_TEXT: 200, QuestionKind.LONG_TEXT: 2000}
MAX_LENGTH_LIMIT = {QuestionKind.SHORT_TEXT: 500, QuestionKind.LONG_TEXT: 5000}
NUMBER_PATTERN = re.compile(r"^[+-]?\d{1,15}(?:[.,]\d{1,6})?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ITALIAN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# Control characters a browser never sends in a text field (NUL would even break PostgreSQL).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SMALL_INTEGER = re.compile(r"^-?[0-9]{1,9}$")
# The models loaded with their structure, or the same questions as plain cached values (a submission).
AnySurvey = Survey | SurveyShape
AnyQuestion = Question | QuestionShape


@dataclass
class Submission:
    """What a respondent sent, read against the survey."""

    rows: list[dict] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    visible: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_text(value: str, single_line: bool = False) -> str:
    """Trimmed text without control characters; newlines kept only where more lines make sense."""
    value = CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        value = " ".join(value.split())
    return value.strip()


def parse_number(raw: str) -> float | None:
    """A decimal number written with a dot or a comma ("3,5"); None when it is not one."""
    raw = raw.strip().replace(" ", "")
    if not NUMBER_PATTERN.match(raw):
        return None
    return float(raw.replace(",", "."))


def format_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def parse_date(raw: str) -> dt.date | None:
    """An ISO date (what a date field sends) or day/month/year as Italians type it."""
    raw = raw.strip()
    try:
        if ISO_DATE.match(raw):
            return dt.date.fromisoformat(raw)
        match = ITALIAN_DATE.match(raw)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def small_integer(value: str) -> int | None:
    """An integer written in ASCII digits, at most nine of them; None for anything else (no huge numbers, no
    "²" that str.isdigit() accepts)."""
    return int(value) if SMALL_INTEGER.match(value) else None


def max_length(question: AnyQuestion) -> int:
    return int(question.setting("max_length") or DEFAULT_MAX_LENGTH.get(question.kind, 200))


def scale_range(question: AnyQuestion) -> range:
    return range(int(question.setting("min", 1)), int(question.setting("max", 5)) + 1)


class _Reader:
    """Reads one survey's submission in the order a respondent meets the questions, so a condition is checked
    against the answer already read for the earlier question it depends on."""

    def __init__(self, survey: AnySurvey, form: MultiDict):
        self.survey = survey
        self.form = form
        self.result = Submission()
        self.chosen: dict[int, set[int]] = {}
        self.question_of_option = {option.id: question.id for question in survey.ordered_questions()
                                   for option in question.options}

    def shown(self, thing) -> bool:
        """A section or question shows when it has no condition, or when the earlier question it depends on
        was shown and has (negated: has not) the option."""
        option_id = thing.condition_option_id
        if option_id is None:
            return True
        source = self.question_of_option.get(option_id)
        if source is None or source not in self.result.visible:
            return False
        return (option_id in self.chosen.get(source, set())) != bool(thing.condition_negate)

    def read(self) -> Submission:
        for question in self.survey.ordered_questions():
            if not self.shown(question.section) or not self.shown(question):
                continue  # hidden: neither required nor stored, whatever the browser sent
            self.result.visible.add(question.id)
            error = READERS[question.kind](self, question)
            if error:
                self.result.errors[question.id] = error
        if self.result.errors:
            self.result.rows = []
        return self.result

    # --- helpers -------------------------------------------------------------------------------------------

    def values(self, name: str) -> list[str]:
        """The non-empty values sent under a name, without repeats, in the order sent."""
        seen: list[str] = []
        for value in self.form.getlist(name):
            value = value.strip()
            if value and value not in seen:
                seen.append(value)
        return seen

    def add(self, question: AnyQuestion, **values) -> None:
        row = {"question_id": question.id, "option_id": None, "row_id": None, "rank": None, "number": None,
               "text": None}
        row.update(values)
        self.result.rows.append(row)

    @staticmethod
    def unanswered(question: AnyQuestion) -> str | None:
        """Leaving a shown question empty: an error only when it is required."""
        return _("Answer this question.") if question.required else None

    @staticmethod
    def option_id(question: AnyQuestion, value: str) -> int | None:
        """The id of one of this question's own options, or None (another question's option, garbage)."""
        wanted = small_integer(value)
        return wanted if any(option.id == wanted for option in question.options) else None

    # --- one reader per kind: return an error message, or add rows and return None ----------------------

    def text(self, question: AnyQuestion) -> str | None:
        value = clean_text(self.form.get(f"q{question.id}", ""),
                          single_line=question.kind == QuestionKind.SHORT_TEXT)
        if not value:
            return self.unanswered(question)
        limit = max_length(question)
        if len(value) > limit:
            return _("Write at most %(max)d characters (you wrote %(count)d).", max=limit, count=len(value))
        self.add(question, text=value)
        return None

    def number(self, question: AnyQuestion) -> str | None:
        raw = self.form.get(f"q{question.id}", "").strip()
        if not raw:
            return self.unanswered(question)
        value = parse_number(raw)
        if value is None:
            return _("Enter a number, like 12 or 3,5.")
        if question.setting("integer") and not value.is_integer():
            return _("Enter a whole number, without decimals.")
        low, high = question.setting("min"), question.setting("max")
        if low is not None and high is not None and not low <= value <= high:
            return _("Enter a number from %(min)s to %(max)s.", min=format_number(low),
                     max=format_number(high))
        if low is not None and value < low:
            return _("Enter a number of at least %(min)s.", min=format_number(low))
        if high is not None and value > high:
            return _("Enter a number of at most %(max)s.", max=format_number(high))
        self.add(question, number=value)
        return None

    def date(self, question: AnyQuestion) -> str | None:
        raw = self.form.get(f"q{question.id}", "").strip()
        if not raw:
            return self.unanswered(question)
        value = parse_date(raw)
        if value is None:
            return _("Enter a real date with day, month and year, like 14/02/2015.")
        self.add(question, text=value.isoformat())
        return None

    def scale(self, question: AnyQuestion) -> str | None:
        values = self.values(f"q{question.id}")
        if not values:
            return self.unanswered(question)
        allowed = scale_range(question)
        if len(values) > 1:
            return _("Choose only one value.")
        if small_integer(values[0]) not in allowed:
            return _("Choose a value from %(min)d to %(max)d.", min=allowed.start, max=allowed.stop - 1)
        self.add(question, number=float(values[0]))
        return None

    def _other_text(self, question: AnyQuestion, values: list[str]) -> tuple[str | None, str | None]:
        """(error, text) for the "other, please specify" part of a choice question."""
        text = clean_text(self.form.get(f"q{question.id}-other", ""), single_line=True)
        ticked = question.has_other and OTHER in values
        if ticked and not text:
            return _("Write your answer next to “Other”."), None
        if text and not ticked:
            if not question.has_other:
                return None, None
            return _("You wrote an answer next to “Other” without choosing it: choose “Other” or clear the "
                     "text."), None
        if ticked and len(text) > DEFAULT_MAX_LENGTH[QuestionKind.SHORT_TEXT]:
            return _("Write at most %(max)d characters (you wrote %(count)d).",
                     max=DEFAULT_MAX_LENGTH[QuestionKind.SHORT_TEXT], count=len(text)), None
        return None, text if ticked else None

    def _chosen_options(self, question: AnyQuestion, values: list[str]) -> tuple[str | None, list[int]]:
        ids = []
        for value in values:
            if value == OTHER and question.has_other:
                continue
            option_id = self.option_id(question, value)
            if option_id is None:
                return _("Choose one of the options shown."), []
            ids.append(option_id)
        return None, ids

    def single_choice(self, question: AnyQuestion) -> str | None:
        values = self.values(f"q{question.id}")
        if len(values) > 1:
            return _("Choose only one option.")
        error, ids = self._chosen_options(question, values)
        if error:
            return error
        error, other = self._other_text(question, values)
        if error:
            return error
        if not ids and other is None:
            return self.unanswered(question)
        self.chosen[question.id] = set(ids)
        for option_id in ids:
            self.add(question, option_id=option_id)
        if other is not None:
            self.add(question, text=other)
        return None

    def multiple_choice(self, question: AnyQuestion) -> str | None:
        values = self.values(f"q{question.id}")
        error, ids = self._chosen_options(question, values)
        if error:
            return error
        error, other = self._other_text(question, values)
        if error:
            return error
        count = len(ids) + (other is not None)
        if count == 0:
            return self.unanswered(question)
        low, high = question.setting("min_choices"), question.setting("max_choices")
        if low and count < low:
            return ngettext("Choose at least %(num)d option.", "Choose at least %(num)d options.", low)
        if high and count > high:
            return ngettext("Choose at most %(num)d option.", "Choose at most %(num)d options.", high)
        self.chosen[question.id] = set(ids)
        for option_id in ids:
            self.add(question, option_id=option_id)
        if other is not None:
            self.add(question, text=other)
        return None

    def ranking(self, question: AnyQuestion) -> str | None:
        raw = {option.id: self.form.get(f"q{question.id}-o{option.id}", "").strip()
               for option in question.options}
        if not any(raw.values()):
            return _("Put the options in order.") if question.required else None
        count = len(raw)
        ranks = {option_id: small_integer(value) for option_id, value in raw.items()
                 if small_integer(value) is not None}
        if len(ranks) != count or sorted(ranks.values()) != list(range(1, count + 1)):
            return _("Give each option a different position from 1 to %(count)d.", count=count)
        for option_id, rank in ranks.items():
            self.add(question, option_id=option_id, rank=rank)
        return None

    def matrix(self, question: AnyQuestion) -> str | None:
        cells, missing = [], []
        for row in question.rows:
            values = self.values(f"q{question.id}-r{row.id}")
            if not values:
                missing.append(row.label)
                continue
            if len(values) > 1:
                return _("Choose one answer in each row.")
            option_id = self.option_id(question, values[0])
            if option_id is None:
                return _("Choose one of the options shown.")
            cells.append((row.id, option_id))
        if question.required and not cells:
            return _("Answer every row.")
        if question.required and missing:
            return _("Answer every row (missing: %(rows)s).", rows=", ".join(missing))
        for row_id, option_id in cells:
            self.add(question, row_id=row_id, option_id=option_id)
        return None


READERS = {
    QuestionKind.SHORT_TEXT: _Reader.text,
    QuestionKind.LONG_TEXT: _Reader.text,
    QuestionKind.NUMBER: _Reader.number,
    QuestionKind.DATE: _Reader.date,
    QuestionKind.SCALE: _Reader.scale,
    QuestionKind.SINGLE_CHOICE: _Reader.single_choice,
    QuestionKind.MULTIPLE_CHOICE: _Reader.multiple_choice,
    QuestionKind.RANKING: _Reader.ranking,
    QuestionKind.MATRIX: _Reader.matrix,
}


def read_submission(survey: AnySurvey, form: MultiDict) -> Submission:
    """Check a submitted form against the survey (loaded with its structure, or its SurveyShape). Hidden
    questions are ignored; every shown one is validated by kind. Returns the answer rows, or an error message
    per question id."""
    return _Reader(survey, form).read()
