"""Small-cell suppression (civic.core.disclosure), checked against an independent solver: for every table a
reader could see, the solver lists all integer tables that agree with what is shown, and no small cell may
have only one possible value."""
from __future__ import annotations

import itertools
import random

import pytest

from civic.core.disclosure import SMALL, show_list, show_table, suppress_list, suppress_table

T = 5


# --- an independent reader: what values can a hidden cell take, given everything the page shows? ---------


def _table_cells(table):
    cells = {}
    for i, row in enumerate(table):
        for j, value in enumerate(row):
            cells[(i, j)] = value
        cells[(i, None)] = sum(row)
    width = len(table[0])
    for j in range(width):
        cells[(None, j)] = sum(row[j] for row in table)
    cells[(None, None)] = sum(map(sum, table))
    return cells


def _table_equations(rows, width):
    """Every published relation: each row and column adds up to its total, the totals to the grand total."""
    equations = []
    for i in list(range(rows)) + [None]:
        equations.append({**{(i, j): 1 for j in range(width)}, (i, None): -1})
    for j in list(range(width)) + [None]:
        equations.append({**{(i, j): 1 for i in range(rows)}, (None, j): -1})
    return equations


def _feasible(domains, equations, known):
    """True when some integer assignment within `domains` satisfies every equation (plain backtracking with
    interval propagation; written for clarity, not speed: tables here are small)."""
    domains = dict(domains)
    changed = True
    while changed:
        changed = False
        for equation in equations:
            constant = -sum(coef * known[k] for k, coef in equation.items() if k in known)
            free = [k for k in equation if k not in known]
            for k in free:
                others = [o for o in free if o != k]
                low_rest = sum(min(equation[o] * domains[o][0], equation[o] * domains[o][1]) for o in others)
                high_rest = sum(max(equation[o] * domains[o][0], equation[o] * domains[o][1]) for o in others)
                coef = equation[k]
                # coef * x_k = constant - rest
                bounds = sorted([(constant - high_rest) * coef, (constant - low_rest) * coef])
                low, high = max(domains[k][0], bounds[0]), min(domains[k][1], bounds[1])
                if low > high:
                    return False
                if (low, high) != domains[k]:
                    domains[k] = (low, high)
                    changed = True
    open_vars = [k for k, (low, high) in domains.items() if low < high]
    if not open_vars:
        return all(sum(coef * (known[k] if k in known else domains[k][0]) for k, coef in eq.items()) == 0
                   for eq in equations)
    pick = min(open_vars, key=lambda k: domains[k][1] - domains[k][0])
    low, high = domains[pick]
    return any(_feasible({**domains, pick: (v, v)}, equations, known) for v in range(low, high + 1))


def possible_values(cells, equations, suppression, target):
    """Every value `target` can take in a table that agrees with the page."""
    cap = sum(v for v in cells.values()) + 2 * T
    known = {k: v for k, v in cells.items() if not suppression.hidden(k)}
    domains = {k: ((1, T - 1) if suppression.state(k) == SMALL else (0, cap))
               for k in cells if suppression.hidden(k)}
    low, high = domains[target]
    return [v for v in range(low, high + 1)
            if _feasible({**domains, target: (v, v)}, equations, known)]


def assert_protected_table(table, total_shown=False):
    suppression = suppress_table(table, threshold=T, total_shown=total_shown)
    assert not (total_shown and suppression.hidden((None, None)))
    cells = _table_cells(table)
    equations = _table_equations(len(table), len(table[0]))
    _assert_small_cells_safe(cells, equations, suppression, fixed={(None, None)} if total_shown else set())
    return suppression


def assert_protected_list(counts, total_shown=False):
    suppression = suppress_list(counts, threshold=T, total_shown=total_shown)
    assert not (total_shown and suppression.hidden(None))
    cells = {**dict(enumerate(counts)), None: sum(counts)}
    equations = [{**{i: 1 for i in range(len(counts))}, None: -1}]
    _assert_small_cells_safe(cells, equations, suppression, fixed={None} if total_shown else set())
    return suppression


def _assert_small_cells_safe(cells, equations, suppression, fixed):
    """Every cell from 1 to T-1 is hidden and has two or more possible values; only such cells say "< T"; no
    equation has exactly one hidden cell, unless all its other cells are totals printed elsewhere
    (`fixed`)."""
    for key, value in cells.items():
        if 0 < value < T:
            assert suppression.hidden(key), (cells, key)
            values = possible_values(cells, equations, suppression, key)
            assert value in values
            assert len(values) >= 2, f"{key}={value} recoverable: {cells} {suppression}"
        assert suppression.state(key) != SMALL or 0 < value < T, (cells, key)
    for equation in equations:
        if all(suppression.hidden(k) or k in fixed for k in equation):
            continue
        assert sum(1 for k in equation if suppression.hidden(k)) != 1, (cells, equation)


# --- lists --------------------------------------------------------------------------------------------------


def test_a_single_small_count_takes_the_next_smallest_with_it():
    suppression = assert_protected_list([30, 3, 12, 20])
    assert suppression.small == {1}
    assert suppression.complementary == {2}  # 12, the smallest other count; the total stays shown
    shown, total = show_list([30, 3, 12, 20], suppression)
    assert [s.value for s in shown] == [30, None, None, 20] and total.value == 65
    assert [s.state for s in shown] == ["shown", "small", "hidden", "shown"]


def test_two_small_counts_that_would_pin_each_other_hide_the_total():
    # 4 + 4 = 8 with both "< 5" means both are 4: the total has to go too.
    suppression = assert_protected_list([4, 4])
    assert None in suppression.complementary


def test_a_total_printed_elsewhere_stays_and_a_label_goes_instead():
    # Several breakdowns of the same declarations share their total: hiding it in one would be no secret.
    suppression = assert_protected_list([4, 4], total_shown=True)
    assert not suppression.hidden(None)
    assert len(suppression.small) == 1 and len(suppression.complementary) == 1


def test_a_small_count_beside_zeros_takes_a_zero_rather_than_nothing():
    suppression = assert_protected_list([1, 0, 0, 9])
    assert suppression.complementary == {3}  # a non-zero complement protects both ways
    assert_protected_list([1, 0, 0])  # total 1 is itself small


def test_no_small_counts_means_nothing_hidden():
    suppression = suppress_list([5, 12, 0, 7], threshold=T)
    assert not suppression.small and not suppression.complementary
    shown, total = show_list([5, 12, 0, 7], suppression)
    assert [s.value for s in shown] == [5, 12, 0, 7] and total.value == 24


def test_multiple_choice_lists_without_a_total_only_hide_small_counts():
    suppression = suppress_list([3, 40, 12], threshold=T, with_total=False)
    assert suppression.small == {0} and not suppression.complementary


@pytest.mark.parametrize("seed", range(3))
def test_random_lists_never_reveal_a_small_count(seed):
    rng = random.Random(seed)
    for _ in range(100):
        length = rng.randint(1, 7)
        counts = [rng.choice([0, 1, 2, 3, 4, rng.randint(0, 30)]) for _ in range(length)]
        assert_protected_list(counts)
        if sum(counts) >= T:
            assert_protected_list(counts, total_shown=True)


def test_every_list_of_three_small_or_zero_counts_is_safe():
    for counts in itertools.product(range(0, 7), repeat=3):
        assert_protected_list(list(counts))
        if sum(counts) >= T:
            assert_protected_list(list(counts), total_shown=True)


# --- tables -------------------------------------------------------------------------------------------------


def test_a_cell_of_three_cannot_be_recovered_from_row_column_and_grand_totals():
    table = [[10, 3, 8], [12, 9, 7], [6, 11, 20]]
    suppression = assert_protected_table(table)
    shown = show_table(table, suppression)
    assert shown.rows[0][1].value is None and shown.rows[0][1].state == "small"
    # Row and column of the 3 both keep a second hidden cell, so its total minus the shown cells is no answer.
    assert sum(1 for j in range(3) if suppression.hidden((0, j))) >= 2
    assert sum(1 for i in range(3) if suppression.hidden((i, 1))) >= 2
    assert shown.total.value == 86


def test_a_small_row_total_is_hidden_with_its_cells():
    table = [[2, 1, 0], [12, 9, 7], [6, 11, 20]]
    suppression = assert_protected_table(table)
    assert suppression.state((0, None)) == SMALL


def test_a_table_of_only_small_cells():
    assert_protected_table([[1, 2], [3, 4]])
    assert_protected_table([[3]])


def test_a_label_that_would_give_the_value_away_is_dropped():
    # Four "< 5" cells under a total of "< 5" would all be 1: the total loses its label and is only hidden.
    suppression = assert_protected_list([1, 1, 1, 1])
    assert suppression.state(None) == "hidden" and suppression.small == {0, 1, 2, 3}
    suppression = assert_protected_table([[1, 1], [1, 1]])
    assert suppression.state((None, None)) == "hidden"
    # A row of four 1s under a large table: the row total cannot say "< 5" either.
    assert_protected_table([[1, 1, 1, 1], [0, 1, 17, 3], [0, 0, 4, 1]])


def test_a_bridge_between_two_hidden_blocks_is_not_left_recoverable():
    # Two blocks of small cells joined by a single row: "two hidden per line" alone can leave the joining cell
    # determined by the totals; the exact check must not.
    table = [
        [3, 4, 3, 0],
        [2, 3, 0, 0],
        [0, 0, 4, 1],
        [0, 0, 2, 3],
    ]
    assert_protected_table(table)


def test_complements_are_never_labelled_small():
    table = [[10, 3, 8], [12, 9, 7], [6, 11, 20]]
    suppression = suppress_table(table, threshold=T)
    for key in suppression.complementary:
        value = table[key[0]][key[1]] if None not in key else None
        assert value is None or value == 0 or value >= T


@pytest.mark.parametrize("seed", range(3))
def test_random_tables_never_reveal_a_small_cell(seed):
    rng = random.Random(1000 + seed)
    for _ in range(30):
        rows, width = rng.randint(1, 4), rng.randint(1, 4)
        table = [[rng.choice([0, 1, 2, 3, 4, rng.randint(0, 25), rng.randint(5, 40)]) for _ in range(width)]
                 for _ in range(rows)]
        assert_protected_table(table)
        if sum(map(sum, table)) >= T:
            assert_protected_table(table, total_shown=True)


def test_threshold_comes_from_the_configuration(app, app_ctx):
    app.config["CIVIC_SMALL_CELL"] = 10
    assert suppress_list([7, 30, 40]).small == {0}
    app.config["CIVIC_SMALL_CELL"] = 5
    assert not suppress_list([7, 30, 40]).small


def test_ragged_tables_are_refused():
    with pytest.raises(ValueError):
        suppress_table([[1, 2], [3]])
