"""The base class of every question kind, and what kinds share.

A kind is one object (see the registry in civic.surveys.kinds) that owns everything about its questions:
- the builder: its label in the picker, the settings fields it adds to the question form, their checks, how
  its settings are read from and loaded into the form, its options (or columns) and matrix rows, whether a
  condition can depend on it;
- answering: how a submitted form is read into answer rows, the id of its first input (for the error summary)
  and its form partial, templates/surveys/kinds/<name>.html (the part inside the question's fieldset);
- results: which aggregate counts it needs (civic.results.queries runs each aggregate once for every question
  that needs it), how its figures follow from those counts (civic.surveys.kinds.figures), its results
  partial templates/results/kinds/<name>.html, and whether a breakdown can cross it;
- exports: its columns and cells in the responses export, and its lines in the aggregated results;
- personal data: how one of its answer rows reads in the person's "download my data" file.

Kinds read questions by duck typing: a model (civic.surveys.models.Question) or its plain-value copy
(civic.surveys.structure.QuestionShape) answer the same attributes, so this package imports neither."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import TextAreaField

from civic.surveys.kinds.figures import QuestionResult

OTHER = "other"  # the value of the "Other, please specify" choice
NUMBER_PATTERN = re.compile(r"^[+-]?\d{1,15}(?:[.,]\d{1,6})?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ITALIAN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# Control characters a browser never sends in a text field (NUL would even break PostgreSQL).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SMALL_INTEGER = re.compile(r"^-?[0-9]{1,9}$")


# --- values as people type them -----------------------------------------------------------------------------


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


def lines(text: str | None) -> list[str]:
    """The non-empty lines of a textarea, each with its spaces tidied."""
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


# --- reading a submission -----------------------------------------------------------------------------------


class Reading:
    """One submission being read (civic.surveys.validation walks the questions in order and asks each kind to
    read its own): the form sent, the answer rows made so far, and the options chosen per question, which the
    conditions of later questions look at."""

    def __init__(self, form: MultiDict):
        self.form = form
        self.rows: list[dict] = []
        self.chosen: dict[int, set[int]] = {}

    def values(self, name: str) -> list[str]:
        """The non-empty values sent under a name, without repeats, in the order sent."""
        seen: list[str] = []
        for value in self.form.getlist(name):
            value = value.strip()
            if value and value not in seen:
                seen.append(value)
        return seen

    def add(self, question, **values) -> None:
        row = {"question_id": question.id, "option_id": None, "row_id": None, "rank": None, "number": None,
               "text": None}
        row.update(values)
        self.rows.append(row)

    def choose(self, question, option_ids: Iterable[int]) -> None:
        """Remember the options chosen, for the conditions that depend on this question."""
        self.chosen[question.id] = set(option_ids)

    @staticmethod
    def unanswered(question) -> str | None:
        """Leaving a shown question empty: an error only when it is required."""
        return _("Answer this question.") if question.required else None

    @staticmethod
    def option_id(question, value: str) -> int | None:
        """The id of one of this question's own options, or None (another question's option, garbage)."""
        wanted = small_integer(value)
        return wanted if any(option.id == wanted for option in question.options) else None


# --- the builder's form -------------------------------------------------------------------------------------


def options_field() -> TextAreaField:
    """The options of a choice or ranking question (a matrix's columns), one per line."""
    return TextAreaField(_l("Options"), description=_l("One per line, in the order shown."),
                         render_kw={"rows": 5})


def rows_field() -> TextAreaField:
    return TextAreaField(_l("Rows"), render_kw={"rows": 4},
                         description=_l("One per line: each row gets one answer from the columns."))


def add_error(field, message) -> bool:
    """Put a message beside a field after the form's own checks; False, so a check can return it."""
    field.errors = [*field.errors, message]
    return False


def check_lines(field, fewest: int, most: int, too_few) -> bool:
    """A textarea of options or rows: enough lines, not too many, none too long, no two alike."""
    labels = lines(field.data)
    if len(labels) < fewest:
        return add_error(field, too_few)
    if len(labels) > most:
        return add_error(field, _l("At most %(max)d lines.", max=most))
    if any(len(label) > 200 for label in labels):
        return add_error(field, _l("Each line can have at most 200 characters."))
    if len({label.casefold() for label in labels}) != len(labels):
        return add_error(field, _l("Each line must be different."))
    return True


# --- exports ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportField:
    """A column of the responses export (and of the data package's Table Schema)."""

    name: str  # a stable code: response_id, q3, q2_1, q6_r2, q1_other
    title: str  # what a person reads in a spreadsheet header
    type: str  # Frictionless type: integer, number, string, date, datetime
    description: str


# Positions in an exported answer row (civic.results.queries.export_answers).
RESPONSE, QUESTION, OPTION, MATRIX_ROW, RANK, NUMBER, TEXT = range(7)

Cells = Callable[[Iterable], list]  # a question's answer rows (in answer order, read once) -> its cells


def first_value(rows: Iterable, position: int):
    """The first value at this position of the rows (in answer order) that is not empty."""
    for row in rows:
        if row[position] is not None:
            return row[position]
    return None


def written(rows: Iterable):
    """The first text that is not attached to a choice: a written answer, a date, an "other" answer."""
    for row in rows:
        if row[OPTION] is None and row[TEXT] is not None:
            return row[TEXT]
    return None


def rounded(value: float | None, digits: int = 4):
    return None if value is None else round(value, digits)


# --- the kind -----------------------------------------------------------------------------------------------


class Kind:
    """A question kind. Subclasses set the class attributes and override the methods their questions need;
    one object of each is in the registry. A kind compares equal to its stored name (and hashes as it), so
    `question.kind == "matrix"` reads naturally in code and templates."""

    name: ClassVar[str]  # stored in survey_questions.kind
    label: ClassVar[Any]  # in the builder's picker
    # The builder
    has_options: ClassVar[bool] = False
    options_label: ClassVar[Any] = _l("Options")  # what the builder calls them (a matrix: columns)
    has_rows: ClassVar[bool] = False
    has_other: ClassVar[bool] = False  # may offer "Other, please specify"
    max_options: ClassVar[int] = 50
    condition_source: ClassVar[bool] = False  # "show only if question X has option O" may point at it
    # Results
    aggregates: ClassVar[frozenset[str]] = frozenset()  # names in civic.surveys.kinds.figures
    crossable: ClassVar[bool] = False  # a breakdown can cross it with another crossable question
    single_answer: ClassVar[bool] = True  # crossed: a respondent sits in one category only
    free_text: ClassVar[bool] = False  # its answers are written texts, listed apart from the figures

    # --- the kind as a value ---

    @property
    def value(self) -> str:
        """The stored name (as an enum's value)."""
        return self.name

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<question kind {self.name}>"

    def __eq__(self, other) -> bool:
        if isinstance(other, Kind):
            return self.name == other.name
        if isinstance(other, str):
            return self.name == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    # --- the builder ---

    def form_fields(self) -> dict[str, Any]:
        """The fields this kind adds to the question form (WTForms unbound fields), made once per form class
        (civic.surveys.forms), in the order their errors are listed."""
        return {}

    def shown_fields(self) -> tuple[str, ...]:
        """The names of those fields in the order the form shows them."""
        return tuple(self.form_fields())

    def check(self, form) -> bool:
        """Checks of this kind's settings beyond each field's own validators; messages go beside the field."""
        return True

    def settings_data(self, form) -> dict:
        """What the form gives services.add_question / update_question besides the common fields: the option
        and row labels, "other", and this kind's settings only."""
        return {"options": [], "rows": [], "has_other": False, "settings": {}}

    def load(self, form, question) -> None:
        """Fill this kind's fields from a stored question (the edit page)."""

    def option_labels(self, question, data: Mapping) -> list[str]:
        """The labels the question's options must have after a save, in order (for kinds with options)."""
        return list(data.get("options") or [])

    # --- answering ---

    @property
    def answer_template(self) -> str:
        return f"surveys/kinds/{self.name}.html"

    def help_note(self, question) -> str:
        """What the kind adds to the question's help text (e.g. a length limit); empty for nothing."""
        return ""

    def first_input_id(self, question) -> str:
        """The id of the question's first input: the error summary links to it."""
        return f"q{question.id}"

    def read(self, reading: Reading, question) -> str | None:
        """Read and check this question's part of a submission: add its answer rows to `reading` and return
        None, or return a translated message (nothing of the submission is then stored)."""
        raise NotImplementedError

    # --- results ---

    @property
    def results_template(self) -> str:
        return f"results/kinds/{self.name}.html"

    def summarize(self, result: QuestionResult, counts) -> None:
        """Fill the figures of `result` from the aggregate counts (civic.surveys.kinds.figures.Counts)."""

    def categories(self, question) -> list[int | None]:
        """For a crossable kind: the keys of the categories a breakdown shows (option ids, None for
        "other")."""
        return []

    def result_lines(self, result: QuestionResult) -> Iterator[tuple]:
        """The figures of the aggregated results export as (statistic, item, column, value), after the
        question's "seen" and "answered" lines."""
        other = _("Other")
        for option in result.options:
            label = other if option.other else option.label
            yield "count", label, "", option.count
            if option.share is not None:
                yield "percent", label, "", rounded(option.share * 100)
                yield "ci_low", label, "", rounded(option.interval[0] * 100)
                yield "ci_high", label, "", rounded(option.interval[1] * 100)
        for value in result.values:
            yield "count", value.label, "", value.count
        if result.summary is not None and result.summary.count:
            for name, value in (("mean", result.summary.mean), ("median", result.median),
                                ("stdev", result.summary.stdev), ("min", result.minimum),
                                ("max", result.maximum)):
                if value is not None:
                    yield name, "", "", rounded(value)
        for rank in result.ranks:
            if rank.mean_rank is not None:
                yield "mean_rank", rank.label, "", rounded(rank.mean_rank)
            yield "first_place", rank.label, "", rank.first
            for position, count in enumerate(rank.by_rank, start=1):
                yield "count", rank.label, str(position), count
        if result.matrix is not None:
            for label, counts in zip(result.matrix.rows, result.matrix.counts, strict=True):
                for column, count in zip(result.matrix.columns, counts, strict=True):
                    yield "count", label, column, count

    # --- exports ---

    def export_columns(self, question, number: int) -> tuple[list[ExportField], Cells]:
        """The question's columns in the responses export, and how its answer rows become their cells (called
        only for a question the response answered)."""
        raise NotImplementedError

    # --- personal data ---

    def personal_answer(self, row: Mapping) -> dict:
        """How one answer row reads in the person's "download my data" file. `row` holds the question's prompt
        ("prompt"), the matrix row's and the option's labels ("row", "option"), and the answer's "rank",
        "number" and "text"."""
        answer = {"question": row["prompt"]}
        if row["row"] is not None:
            answer["row"] = row["row"]
        if row["rank"] is not None:
            answer["rank"] = row["rank"]
        if row["option"] is not None:
            answer["answer"] = row["option"]
            if row["text"] is not None:
                answer["text"] = row["text"]
        elif row["number"] is not None:
            answer["answer"] = row["number"]
        else:
            answer["answer"] = row["text"]
        return answer
