"""A survey's results, assembled from a fixed number of GROUP BY queries (see civic.results.queries).

Who saw a question: every response for an unconditional question. For a conditional one the count follows from
the aggregates already read, because an answer is stored only for a question the respondent was shown: "shown
when O was chosen" was seen by the respondents who chose O (the option's count); "shown when O was not chosen"
by those who saw O's question minus those who chose O. A question with both a section condition and its own
condition on a question of an earlier section (two conditions that need not nest) is counted in SQL, in one
query for all such questions.

Who answered: respondents with at least one stored answer to the question. Percentages of choice options are of
those who answered; a multiple-choice option is counted once per respondent who chose it, so its percentages
may add up to more than 100%."""
from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app

from civic.core.lru import LRU
from civic.core.timezone import ROME
from civic.database import db
from civic.results import queries
from civic.results.stats import Bin, Moments, bins, percent, summarize, wilson
from civic.surveys.models import Question, QuestionKind, Survey

TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT})
CHOICE = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})
NUMERIC = frozenset({QuestionKind.SCALE, QuestionKind.NUMBER})
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
    question: Question
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

    @property
    def kind(self) -> QuestionKind:
        return self.question.kind

    @property
    def skipped(self) -> int:
        return max(self.seen - self.answered, 0)


@dataclass
class Day:
    day: dt.date
    count: int
    cumulative: int


@dataclass
class Report:
    survey: Survey
    responses: int
    questions: list[QuestionResult]
    days: list[Day]
    published: frozenset[int]  # question ids whose written answers are public

    def question(self, question_id: int) -> QuestionResult | None:
        return next((result for result in self.questions if result.question.id == question_id), None)


def _ids(questions, kinds) -> list[int]:
    return [question.id for question in questions if question.kind in kinds]


def local_days(hour_counts) -> list[Day]:
    """(UTC "YYYY-MM-DD HH", count) rows folded into Europe/Rome days, with empty days in between."""
    per_day: dict[dt.date, int] = defaultdict(int)
    for hour, count in hour_counts:
        moment = dt.datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=dt.timezone.utc)
        per_day[moment.astimezone(ROME).date()] += int(count)
    if not per_day:
        return []
    days, cumulative = [], 0
    day, last = min(per_day), max(per_day)
    while day <= last:
        cumulative += per_day.get(day, 0)
        days.append(Day(day, per_day.get(day, 0), cumulative))
        day += dt.timedelta(days=1)
    return days


class _Seen:
    """Who saw each question, from the option counts (see the module's docstring)."""

    def __init__(self, survey: Survey, responses: int, option_count: dict[tuple[int, int | None], int]):
        self.responses = responses
        self.option_count = option_count
        self.source = {option.id: question for question in survey.ordered_questions()
                       for option in question.options}
        self.counted: dict[int, int] = {}  # question id -> seen, from SQL for the rare tangled cases

    def tangled(self, question: Question) -> bool:
        """Both a section condition and its own condition on a question outside its section."""
        source = self.source.get(question.condition_option_id)
        return (question.section.condition_option_id is not None and source is not None
                and source.section_id != question.section_id)

    def _condition(self, option_id: int | None, negate: bool) -> int:
        if option_id is None:
            return self.responses
        source = self.source.get(option_id)
        if source is None:
            return 0
        chosen = self.option_count.get((source.id, option_id), 0)
        return self.of(source) - chosen if negate else chosen

    def of(self, question: Question) -> int:
        if question.id in self.counted:
            return self.counted[question.id]
        if question.condition_option_id is not None:
            # Nested: its own condition's source is in its section (or the section is unconditional), so the
            # section condition adds nothing to it.
            return self._condition(question.condition_option_id, question.condition_negate)
        return self._condition(question.section.condition_option_id, question.section.condition_negate)


@dataclass(frozen=True)
class Aggregates:
    """What the aggregate queries returned, as plain values (no ORM objects), so it can be cached. Every field
    is a count per key (hour, option, rank, value, month, question) over a set of responses, so the aggregates
    of two disjoint sets of responses add up key by key (`merge`): the figures of a number question (mean,
    deviation, median, minimum, maximum) are derived from its value counts when the page is built."""

    hours: list  # (UTC "YYYY-MM-DD HH", responses), by hour
    option_rows: list  # (question id, option id or None, matrix row id or None, count)
    answered: dict  # question id -> respondents (kinds counted in SQL; the others follow from their rows)
    rank_rows: list  # (question id, option id, rank, count)
    value_rows: list  # (question id, value, count), by question and value
    month_rows: list  # (question id, "YYYY-MM", count), by question and month
    tangled_seen: dict  # question id -> respondents shown it (see _Seen.tangled)

    @property
    def responses(self) -> int:
        return sum(count for _hour, count in self.hours)


def fingerprint(survey: Survey) -> tuple:
    """What identifies the answers of a survey at this moment: responses are only ever added (with growing
    ids) or deleted, never changed, and the questions are locked once anyone answered."""
    count, last = db.session.execute(queries.response_fingerprint(survey.id)).one()
    return survey.id, survey.created_at, int(count), last


def fetch(survey: Survey, span: queries.Span | None = None) -> Aggregates:
    """Run the aggregate queries for a survey loaded with its structure: at most eight, whatever the number of
    responses (fewer when the survey has no question of a kind). With `span` (after, upto), over the responses
    whose id is in it only: those added since aggregates were last computed."""
    dialect = db.session.get_bind().dialect.name
    questions = survey.ordered_questions()

    def rows(statement_for, kinds):
        ids = _ids(questions, kinds)
        return [tuple(row) for row in db.session.execute(statement_for(ids, span=span))] if ids else []

    answered = dict(rows(queries.answered, {QuestionKind.MULTIPLE_CHOICE, QuestionKind.MATRIX}))
    answered.update(dict(rows(queries.answered_once, TEXT_KINDS)))
    option_rows = rows(queries.option_counts, CHOICE | {QuestionKind.MATRIX})
    rank_rows = rows(queries.rank_counts, {QuestionKind.RANKING})
    value_rows = rows(queries.value_counts, NUMERIC)
    month_rows = rows(queries.date_months, {QuestionKind.DATE})
    probe = _Seen(survey, 0, {})
    tangled = [question for question in questions if probe.tangled(question)]
    tangled_seen = {}
    if tangled:
        row = db.session.execute(queries.respondents(survey, tangled, span=span)).one()
        tangled_seen = {question.id: int(value) for question, value in zip(tangled, row[1:])}
    # Last: the responses counted here include every response any query above saw (a response and its
    # answers are committed together), which `_with_added` relies on.
    hours = queries.responses_per_hour(survey.id, dialect, span=span)
    hours = [tuple(row) for row in db.session.execute(hours)]
    return Aggregates(hours=hours, option_rows=option_rows, answered=answered, rank_rows=rank_rows,
                      value_rows=value_rows, month_rows=month_rows, tangled_seen=tangled_seen)


def _added_rows(old: list, new: list, ordered: bool = False) -> list:
    """(key..., count) rows of two disjoint sets of responses as one: the counts of the same key added; sorted
    by key when the rows' order means something (hours, values, months)."""
    counts: dict[tuple, int] = {}
    for row in (*old, *new):
        key = tuple(row[:-1])
        counts[key] = counts.get(key, 0) + int(row[-1])
    pairs = sorted(counts.items()) if ordered else counts.items()
    return [(*key, count) for key, count in pairs]


def _added_counts(old: dict, new: dict) -> dict:
    return {key: old.get(key, 0) + new.get(key, 0) for key in {**old, **new}}


def merge(old: Aggregates, new: Aggregates) -> Aggregates:
    """The aggregates of the responses of `old` and of `new` together (two disjoint sets of responses)."""
    return Aggregates(
        hours=_added_rows(old.hours, new.hours, ordered=True),
        option_rows=_added_rows(old.option_rows, new.option_rows),
        answered=_added_counts(old.answered, new.answered),
        rank_rows=_added_rows(old.rank_rows, new.rank_rows),
        value_rows=_added_rows(old.value_rows, new.value_rows, ordered=True),
        month_rows=_added_rows(old.month_rows, new.month_rows, ordered=True),
        tangled_seen=_added_counts(old.tangled_seen, new.tangled_seen),
    )


@dataclass(frozen=True)
class _Entry:
    key: tuple
    at: float  # time.monotonic() when computed
    data: Aggregates


# The latest aggregates of a few surveys in this process, one _Entry per survey, keyed by its fingerprint:
# a page view costs one cheap query (count and last id of the responses) when nothing changed since.
_cache = LRU()


def aggregates(survey: Survey) -> Aggregates:
    """The survey's aggregates, from this process's cache when no response was added or removed since. When
    responses were only added, only theirs are aggregated and added to the cached figures; anything else (no
    entry, a response removed) aggregates everything again. While a survey is open and answers keep
    arriving, figures up to CIVIC_RESULTS_OPEN_GRACE seconds old are served without looking."""
    config = current_app.config
    size = int(config["CIVIC_RESULTS_CACHE_SIZE"])
    if size <= 0:
        return fetch(survey)
    entry = _cache.get(survey.id)
    now = time.monotonic()
    if (entry is not None and entry.key[:2] == (survey.id, survey.created_at) and survey.phase() == "open"
            and now - entry.at < float(config["CIVIC_RESULTS_OPEN_GRACE"])):
        return entry.data
    key = fingerprint(survey)
    if entry is not None and entry.key == key:
        return entry.data
    data = _with_added(survey, entry, key) if entry is not None else None
    if data is None:
        data = fetch(survey)
    _cache.put(survey.id, _Entry(key, now, data), size)
    return data


def _with_added(survey: Survey, entry: _Entry, key: tuple) -> Aggregates | None:
    """The cached aggregates plus those of the responses added since, or None when the survey changed in
    another way. Responses only added: a higher last id, and the cached count plus the responses above the
    cached last id (up to the new one) make the new count. That count also catches a response whose smaller id
    was committed after a larger one the cache had already seen."""
    _survey_id, _created, count, last = entry.key
    new_count, new_last = key[2], key[3]
    if key[:2] != entry.key[:2] or new_last is None or new_last <= (last or 0) or new_count <= count:
        return None
    added = fetch(survey, span=(last or 0, new_last))
    if count + added.responses != new_count:
        return None
    return merge(entry.data, added)


def build(survey: Survey, data: Aggregates | None = None) -> Report:
    """Every figure of the results page (see the module docstring). `survey` must be loaded with its structure
    (civic.surveys.queries.survey_with_structure)."""
    data = data or aggregates(survey)
    questions = survey.ordered_questions()
    numbers = survey.question_numbers()
    days = local_days(data.hours)
    responses = days[-1].cumulative if days else 0

    option_count: dict[tuple[int, int | None], int] = defaultdict(int)
    matrix_cells: dict[tuple[int, int, int], int] = {}
    for question_id, option_id, row_id, count in data.option_rows:
        if row_id is None:
            option_count[(question_id, option_id)] += count
        else:
            matrix_cells[(question_id, row_id, option_id)] = count
    published = frozenset(db.session.scalars(queries.published_text_ids(survey.id)))

    seen = _Seen(survey, responses, option_count)
    seen.counted = dict(data.tangled_seen)
    values: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for question_id, value, count in data.value_rows:
        values[question_id].append((float(value), int(count)))
    months: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for question_id, month, count in data.month_rows:
        months[question_id].append((month, int(count)))
    ranks: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for question_id, option_id, rank, count in data.rank_rows:
        ranks[question_id][option_id][rank] = int(count)

    results = []
    for question in questions:
        result = QuestionResult(question=question, number=numbers[question.id], seen=seen.of(question),
                                answered=int(data.answered.get(question.id, 0)))
        kind = question.kind
        if kind in CHOICE:
            _choice(result, option_count)
        elif kind == QuestionKind.MATRIX:
            _matrix(result, matrix_cells)
        elif kind == QuestionKind.RANKING:
            _ranking(result, ranks[question.id])
        elif kind in NUMERIC:
            _numeric(result, values[question.id])
        elif kind == QuestionKind.DATE:
            _dates(result, months[question.id])
        else:
            result.texts = result.answered
        results.append(result)
    return Report(survey=survey, responses=responses, questions=results, days=days, published=published)


def _choice(result: QuestionResult, option_count) -> None:
    question = result.question
    if question.kind == QuestionKind.SINGLE_CHOICE:
        # One row per respondent: an option or the "other" text.
        result.answered = sum(option_count.get((question.id, option.id), 0) for option in question.options) \
            + option_count.get((question.id, None), 0)
    entries = [(option.label, option_count.get((question.id, option.id), 0), False) for option in question.options]
    if question.has_other:
        entries.append((None, option_count.get((question.id, None), 0), True))
    result.texts = option_count.get((question.id, None), 0)
    result.options = [OptionResult(label or "", count, percent(count, result.answered),
                                   wilson(count, result.answered), other)
                      for label, count, other in entries]


def _matrix(result: QuestionResult, cells) -> None:
    question = result.question
    counts = [[cells.get((question.id, row.id, option.id), 0) for option in question.options]
              for row in question.rows]
    result.matrix = MatrixResult(rows=[row.label for row in question.rows],
                                 columns=[option.label for option in question.options],
                                 counts=counts, row_totals=[sum(row) for row in counts])


def _ranking(result: QuestionResult, per_option: dict[int, dict[int, int]]) -> None:
    options = result.question.options
    positions = range(1, len(options) + 1)
    for option in options:
        by_rank = [per_option.get(option.id, {}).get(rank, 0) for rank in positions]
        total = sum(by_rank)
        mean = sum(rank * count for rank, count in zip(positions, by_rank)) / total if total else None
        result.ranks.append(RankResult(option.label, mean, by_rank[0] if by_rank else 0, by_rank))
    # Every respondent who ranked puts exactly one option first.
    result.answered = sum(rank.first for rank in result.ranks)


def _numeric(result: QuestionResult, value_counts: list[tuple[float, int]]) -> None:
    question = result.question
    summary = summarize(value_counts)
    result.summary, result.median = summary.moments, summary.median
    result.minimum, result.maximum = summary.minimum, summary.maximum
    count = result.answered = summary.moments.count
    if question.kind == QuestionKind.SCALE:
        counts = dict(value_counts)
        result.values = [ValueResult(str(v), counts.get(float(v), 0), percent(counts.get(float(v), 0), count))
                         for v in _scale_values(question)]
    elif not count:
        return
    elif len(value_counts) <= MOST_VALUES:
        result.values = [ValueResult(_plain(value), n, percent(n, count)) for value, n in value_counts]
    else:
        result.binned = True
        result.values = [_bin_value(b, count) for b in bins(value_counts)]


def _scale_values(question: Question) -> range:
    return range(int(question.setting("min", 1)), int(question.setting("max", 5)) + 1)


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _bin_value(b: Bin, total: int) -> ValueResult:
    closing = "]" if b.last else ")"
    return ValueResult(f"[{_plain(round(b.low, 2))}, {_plain(round(b.high, 2))}{closing}", b.count,
                       percent(b.count, total), b.low, b.high)


def _dates(result: QuestionResult, month_counts: list[tuple[str, int]]) -> None:
    total = sum(count for _month, count in month_counts)
    result.answered = total
    result.values = [ValueResult(month, count, percent(count, total)) for month, count in month_counts]
