"""Several conditions per section or question, joined with AND (every one holds) or OR (at least one does).

A condition is (option id, negated): "the option's question has (negated: has not) the option". The first is
stored on the section or question itself (condition_option_id, condition_negate), further ones as
SurveyCondition rows; `condition_any` chooses OR. Every evaluation (validation, paging, results, the page's
data attributes) goes through `combine`, so they agree."""
from __future__ import annotations

from collections.abc import Callable, Iterable

Condition = tuple[int, bool]  # (option id, negated)


def combine(conditions: Iterable[Condition], any_: bool, test: Callable[[int, bool], bool]) -> bool:
    """Whether the conditions hold: no condition holds always; else all of them (AND) or one of them (OR)."""
    conditions = list(conditions)
    if not conditions:
        return True
    results = (test(option_id, negate) for option_id, negate in conditions)
    return any(results) if any_ else all(results)
