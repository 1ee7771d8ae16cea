"""A survey's results, assembled from a fixed number of GROUP BY queries (see civic.results.queries).

Who saw a question: every response for an unconditional question. For a conditional one the count follows from
the aggregates already read, because an answer is stored only for a question the respondent was shown: "shown
when O was chosen" was seen by the respondents who chose O (the option's count); "shown when O was not chosen"
by those who saw O's question minus those who chose O. A question with both a section condition and its own
condition on a question of an earlier section (two conditions that need not nest), or several conditions
joined with AND or OR on it or its section, is counted in SQL, in one query for all such questions.

Who answered: respondents with at least one stored answer to the question. Percentages of choice options are
of those who answered; a multiple-choice option is counted once per respondent who chose it, so its
percentages may add up to more than 100%."""
from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

from flask import current_app

from civic.core import disclosure
from civic.core.disclosure import Shown
from civic.core.lru import LRU
from civic.core.timezone import ROME
from civic.database import db
from civic.results import queries, snapshots
from civic.surveys.kinds.figures import (
    ANSWERED,
    ANSWERED_ONCE,
    MONTHS,
    OPTIONS,
    RANKS,
    VALUES,
    Counts,
    QuestionResult,
)
from civic.surveys.models import Question, Survey


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
    verified: int = 0  # responses from verified residents of the survey's body

    @property
    def mixes_verified(self) -> bool:
        """Whether the survey takes answers from verified residents and from others: only then does the share
        of verified residents say something."""
        return self.survey.audience != "resident"  # civic.census.eligibility.Audience.RESIDENT

    def verified_shown(self, public: bool = True) -> Shown:
        """The responses from verified residents as a page may print them: in public, a count below
        CIVIC_SMALL_CELL (of verified residents, or of the others, which the total would give away) is not
        shown exactly."""
        counts = [self.verified, self.responses - self.verified]
        if not public:
            return Shown(self.verified, disclosure.SHOWN)
        suppression = disclosure.suppress_list(counts, total=self.responses, total_shown=True)
        return disclosure.show_list(counts, suppression)[0][0]

    def question(self, question_id: int) -> QuestionResult | None:
        return next((result for result in self.questions if result.question.id == question_id), None)


def _ids(questions, aggregate: str) -> list[int]:
    """The questions whose kind needs this aggregate (civic.surveys.kinds.figures)."""
    return [question.id for question in questions if aggregate in question.kind.aggregates]


def local_days(hour_counts) -> list[Day]:
    """(UTC "YYYY-MM-DD HH", count) rows folded into Europe/Rome days, with empty days in between."""
    per_day: dict[dt.date, int] = defaultdict(int)
    for hour, count in hour_counts:
        moment = dt.datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
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
        """Both a section condition and its own condition on a question outside its section, or several
        conditions on the question or its section (AND / OR: the counts do not follow from the options')."""
        if len(question.conditions()) > 1 or len(question.section.conditions()) > 1:
            return True
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
    verified: int = 0  # responses from verified residents of the survey's body (civic.census)

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

    def rows(statement_for, aggregate):
        ids = _ids(questions, aggregate)
        return [tuple(row) for row in db.session.execute(statement_for(ids, span=span))] if ids else []

    answered = dict(rows(queries.answered, ANSWERED))
    answered.update(dict(rows(queries.answered_once, ANSWERED_ONCE)))
    option_rows = rows(queries.option_counts, OPTIONS)
    rank_rows = rows(queries.rank_counts, RANKS)
    value_rows = rows(queries.value_counts, VALUES)
    month_rows = rows(queries.date_months, MONTHS)
    probe = _Seen(survey, 0, {})
    tangled = [question for question in questions if probe.tangled(question)]
    tangled_seen = {}
    if tangled:
        row = db.session.execute(queries.respondents(survey, tangled, span=span)).one()
        tangled_seen = {question.id: int(value) for question, value in zip(tangled, row[1:], strict=True)}
    # Last: the responses counted here include every response any query above saw (a response and its
    # answers are committed together), which `_with_added` relies on.
    hours = queries.responses_per_hour(survey.id, dialect, span=span)
    rows_per_hour = db.session.execute(hours).all()
    hours = [(hour, count) for hour, count, _verified in rows_per_hour]
    return Aggregates(hours=hours, option_rows=option_rows, answered=answered, rank_rows=rank_rows,
                      value_rows=value_rows, month_rows=month_rows, tangled_seen=tangled_seen,
                      verified=sum(int(verified) for _hour, _count, verified in rows_per_hour))


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
        verified=old.verified + new.verified,
    )


@dataclass(frozen=True)
class _Entry:
    key: tuple
    at: float  # time.monotonic() when computed
    data: Aggregates
    saved: int | None = None  # the responses of the survey's snapshot in the database, None without one


# The latest aggregates of a few surveys in this process, one _Entry per survey, keyed by its fingerprint:
# a page view costs one cheap query (count and last id of the responses) when nothing changed since.
_cache = LRU()


def _from_snapshot(survey: Survey) -> _Entry | None:
    """The survey's snapshot in the database as an entry (civic.results.snapshots), when it is of this
    survey."""
    found = snapshots.load(survey.id)
    if found is None or found.survey_created_at != survey.created_at:
        return None
    fields = snapshots.decode(found.figures)
    if fields is None:
        return None
    key = (survey.id, survey.created_at, found.responses, found.upto)
    return _Entry(key, 0.0, Aggregates(**fields), saved=found.responses)


def aggregates(survey: Survey) -> Aggregates:
    """The survey's aggregates, from this process's cache or else the survey's snapshot in the database, when
    no response was added or removed since. When responses were only added, only theirs are aggregated and
    added to the kept figures; anything else (nothing kept, a response removed) aggregates everything again.
    While a survey is open and answers keep arriving, figures up to CIVIC_RESULTS_OPEN_GRACE seconds old are
    served without looking."""
    config = current_app.config
    size = int(config["CIVIC_RESULTS_CACHE_SIZE"])
    every = int(config["CIVIC_RESULTS_SNAPSHOT_EVERY"])
    if size <= 0 and every <= 0:
        return fetch(survey)
    entry = _cache.get(survey.id) if size > 0 else None
    now = time.monotonic()
    if (entry is not None and entry.key[:2] == (survey.id, survey.created_at) and survey.phase() == "open"
            and now - entry.at < float(config["CIVIC_RESULTS_OPEN_GRACE"])):
        return entry.data
    key = fingerprint(survey)
    if entry is None and every > 0:
        entry = _from_snapshot(survey)
    if entry is not None and entry.key == key:
        data, saved = entry.data, entry.saved
    else:
        data = _with_added(survey, entry, key) if entry is not None else None
        saved = entry.saved if data is not None else None
        if data is None:
            data = fetch(survey)
            if data.responses != key[2]:
                # Responses came or went while the queries ran (each may see a later state): nothing is kept
                # under a fingerprint it does not match.
                return data
    if every > 0 and (saved is None or key[2] - saved >= every):
        snapshots.save(key, data)
        saved = key[2]  # also when the write failed: tried again after `every` more responses, not per view
    if size > 0:
        _cache.put(survey.id, _Entry(key, now, data, saved), size)
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

    counts = Counts(options=option_count, cells=matrix_cells, values=values, months=months, ranks=ranks)
    results = []
    for question in questions:
        result = QuestionResult(question=question, number=numbers[question.id], seen=seen.of(question),
                                answered=int(data.answered.get(question.id, 0)))
        question.kind.summarize(result, counts)
        results.append(result)
    return Report(survey=survey, responses=responses, questions=results, days=days, published=published,
                  verified=int(data.verified))
