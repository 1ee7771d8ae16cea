"""The figures of a question's results, as the kinds fill them from aggregate counts, and the counts.

The aggregate queries live in civic.results.queries and run once each for all the questions that need them; a
kind names the ones it needs (`Kind.aggregates`, from the names below) and builds its figures from `Counts`.
Everything here works on counts, never on individual answers."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from civic.core.stats import Bin, Moments, bins, percent, summarize, wilson

# The aggregates a kind may need (see civic.results.report.fetch).
ANSWERED = "answered"  # respondents with any answer row (COUNT DISTINCT: several rows per response)
ANSWERED_ONCE = "answered_once"  # answer rows, for kinds stored as one row per response
OPTIONS = "options"  # counts per option (and matrix row)
RANKS = "ranks"  # counts per option and rank
VALUES = "values"  # counts per number
MONTHS = "months"  # counts per month of a date
# Number questions with more distinct values than this are shown in bins.
MOST_VALUES = 15


@dataclass
class OptionResult:
    label: str
    count: int
    share: float | None  # of those who answered
    interval: tuple[float, float] | None  # 95% Wilson interval of the share
    other: bool = False  # the "other, please specify" answers


@dataclass
class RankResult:
    label: str
    mean_rank: float | None
    first: int  # respondents who put it first
    by_rank: list[int]  # respondents per position 1..n


@dataclass
class ValueResult:
    label: str
    count: int
    share: float | None
    low: float | None = None
    high: float | None = None


@dataclass
class MatrixResult:
    rows: list[str]
    columns: list[str]
    counts: list[list[int]]
    row_totals: list[int]


@dataclass
class QuestionResult:
    question: Any  # civic.surveys.models.Question
    number: int
    seen: int
    answered: int
    options: list[OptionResult] = field(default_factory=list)
    values: list[ValueResult] = field(default_factory=list)  # scale, number (maybe in bins), date months
    binned: bool = False
    summary: Moments | None = None
    median: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    ranks: list[RankResult] = field(default_factory=list)
    matrix: MatrixResult | None = None
    texts: int = 0  # written answers (texts, "other" texts): shown to the public only when published
    details: Any = None  # figures of a kind's own shape, read by its results partial and result lines

    @property
    def kind(self):
        return self.question.kind

    @property
    def skipped(self) -> int:
        return max(self.seen - self.answered, 0)


@dataclass
class Counts:
    """The aggregate rows of a survey, keyed for the kinds: built once per results page."""

    options: dict[tuple[int, int | None], int]  # (question, option or None for "other") -> respondents
    cells: dict[tuple[int, int, int], int]  # (question, matrix row, option) -> respondents
    values: dict[int, list[tuple[float, int]]]  # question -> (value, respondents), by value
    months: dict[int, list[tuple[str, int]]]  # question -> ("YYYY-MM", respondents), by month
    ranks: dict[int, dict[int, dict[int, int]]]  # question -> option -> rank -> respondents

    def option(self, question, option_id: int | None) -> int:
        return self.options.get((question.id, option_id), 0)

    def cell(self, question, row_id: int, option_id: int) -> int:
        return self.cells.get((question.id, row_id, option_id), 0)


def option_results(entries: Sequence[tuple[str | None, int, bool]], answered: int) -> list[OptionResult]:
    """(label, count, other) entries as options with their share of those who answered and its interval."""
    return [OptionResult(label or "", count, percent(count, answered), wilson(count, answered), other)
            for label, count, other in entries]


def plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def number_summary(result: QuestionResult, value_counts: list[tuple[float, int]]) -> int:
    """Mean, deviation, median, minimum and maximum from the value counts; sets `answered` and returns it."""
    summary = summarize(value_counts)
    result.summary, result.median = summary.moments, summary.median
    result.minimum, result.maximum = summary.minimum, summary.maximum
    result.answered = summary.moments.count
    return result.answered


def bin_value(b: Bin, total: int) -> ValueResult:
    closing = "]" if b.last else ")"
    return ValueResult(f"[{plain(round(b.low, 2))}, {plain(round(b.high, 2))}{closing}", b.count,
                       percent(b.count, total), b.low, b.high)


def binned_values(value_counts: list[tuple[float, int]], total: int) -> list[ValueResult]:
    return [bin_value(b, total) for b in bins(value_counts)]
