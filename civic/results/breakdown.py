"""One choice question crossed with another: respondents per pair of answers, with small-cell suppression for
public pages (civic.core.disclosure). Which questions can be crossed, and their categories, is up to their
kinds (civic.surveys.kinds: `crossable`, `categories`, `single_answer`).

What a public reader is assumed to know besides the table: the results page, which prints every option's count
unsuppressed. So the totals of a breakdown are treated as known, never as something hiding could protect:
- single choice x single choice: the table with row, column and grand totals is suppressed as a whole; in the
  rare table where protecting a small cell would need a hidden total, the table is withheld, and so is a table
  with more categories a side than a choice question can have (a long drop-down list), whose protection would
  take too long to compute;
- single x multiple choice: each option of the multiple-choice question is its own list over the single-choice
  options, with a known total (a respondent may sit in several columns, so rows do not add up and get no
  total);
- multiple x multiple choice: no cell adds up to anything, so small cells are only shown as "< threshold".
"""
from __future__ import annotations

from dataclasses import dataclass

from civic.core import disclosure
from civic.core.disclosure import Shown
from civic.database import db
from civic.results import queries
from civic.surveys.models import Question

OTHER = None  # the category key of "other, please specify" answers
# The most categories a side of a public single x single table may have: 50 options and "other" (protecting a
# table costs about a second at 51 x 51, and grows fast beyond).
MOST_CATEGORIES = 51


@dataclass
class Breakdown:
    rows: Question
    columns: Question
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[Shown]]
    row_totals: list[Shown] | None  # None when rows do not add up (multiple choice columns)
    column_totals: list[Shown] | None
    total: int  # respondents who answered both questions (always shown)
    withheld: bool = False  # public, and no safe way to show it
    too_many: bool = False  # withheld: too many categories to protect
    suppressed: bool = False  # some cell is hidden

    @property
    def threshold(self) -> int:
        return disclosure.default_threshold()


def categories(question: Question) -> list[int | None]:
    return question.kind.categories(question)


def _shown_all(values: list[int]) -> list[Shown]:
    return [Shown(value, disclosure.SHOWN) for value in values]


def build(row_question: Question, column_question: Question, public: bool, other_label: str) -> Breakdown:
    """Two queries: the crossed counts and the respondents who answered both."""
    row_keys, column_keys = categories(row_question), categories(column_question)
    counted = {(r, c): n
               for r, c, n in db.session.execute(queries.crossed(row_question.id, column_question.id))}
    total = int(db.session.scalar(queries.answered_both(row_question.id, column_question.id)) or 0)
    counts = [[int(counted.get((r, c), 0)) for c in column_keys] for r in row_keys]

    def labels(question, keys):
        names = {option.id: option.label for option in question.options}
        return [names[key] if key is not OTHER else other_label for key in keys]

    rows_single = row_question.kind.single_answer
    columns_single = column_question.kind.single_answer
    result = Breakdown(rows=row_question, columns=column_question, row_labels=labels(row_question, row_keys),
                       column_labels=labels(column_question, column_keys), cells=[], row_totals=None,
                       column_totals=None, total=total)
    row_sums = [sum(row) for row in counts]
    column_sums = [sum(row[j] for row in counts) for j in range(len(column_keys))]
    if not public:
        result.cells = [_shown_all(row) for row in counts]
        result.row_totals = _shown_all(row_sums) if columns_single else None
        result.column_totals = _shown_all(column_sums) if rows_single else None
        return result
    if rows_single and columns_single:
        if max(len(row_keys), len(column_keys)) > MOST_CATEGORIES:
            result.withheld = result.too_many = True
            return result
        suppression = disclosure.suppress_table(counts, total_shown=True)
        shown = disclosure.show_table(counts, suppression)
        if any(cell.hidden for cell in shown.row_totals + shown.column_totals):
            result.withheld = True
            return result
        result.cells, result.row_totals, result.column_totals = (shown.rows, shown.row_totals,
                                                                 shown.column_totals)
    elif rows_single:  # each column is a list over the rows, with a known total
        columns = [_protected([row[j] for row in counts]) for j in range(len(column_keys))]
        result.cells = [[columns[j][i] for j in range(len(column_keys))] for i in range(len(row_keys))]
        result.column_totals = _shown_all(column_sums)
    elif columns_single:
        result.cells = [_protected(row) for row in counts]
        result.row_totals = _shown_all(row_sums)
    else:
        flat = [value for row in counts for value in row]
        suppression = disclosure.suppress_list(flat, with_total=False)
        width = len(column_keys)
        result.cells = [[suppression.show(i * width + j, value) for j, value in enumerate(row)]
                        for i, row in enumerate(counts)]
    result.suppressed = any(cell.hidden for row in result.cells for cell in row)
    return result


def _protected(values: list[int]) -> list[Shown]:
    """A list whose total the reader knows: small counts and their complements hidden."""
    return disclosure.show_list(values, disclosure.suppress_list(values, total_shown=True))[0]
