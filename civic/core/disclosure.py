"""Small-cell suppression for public tables of counts.

A count of people below the threshold (CIVIC_SMALL_CELL, default 5) is shown as "< 5" (primary suppression).
Hiding it is not enough when totals are shown: the hidden value would be the total minus the shown cells. So
other cells are hidden as well (complementary suppression) until no small cell can be worked out exactly from
what the page shows.

What a reader is assumed to know (the usual model of statistical disclosure control): every shown cell and
total, that a cell shown as "< t" lies between 1 and t - 1 (zeros are shown as 0), and that a cell hidden as a
complement is 0 or more. The check is exact for that model: a small cell is safe when at least two different
tables agree with everything shown. Cells are integers; a table with its totals is a network (every cell sits
in one row equation and one column equation), so two tables differ by alternating cycles of +1/-1 over hidden
cells, and a small cell is safe exactly when such a cycle through it exists within the bounds.

Keys: in a list, the index of the item and None for the total; in a table, (row, column), (row, None) for a
row total, (None, column) for a column total and (None, None) for the grand total.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app, has_app_context

from civic.config import Defaults

SHOWN, SMALL, HIDDEN = "shown", "small", "hidden"
_GROUND = ("ground",)  # the end of every cell of a list: no equation there, only the list's total row


def default_threshold() -> int:
    """CIVIC_SMALL_CELL of the running app, or its default outside an app."""
    if has_app_context():
        return int(current_app.config["CIVIC_SMALL_CELL"])
    return Defaults.CIVIC_SMALL_CELL


class Shown(NamedTuple):
    """One cell as a public page may print it: the value only when it is shown."""

    value: int | None
    state: str  # SHOWN, SMALL ("< threshold") or HIDDEN (a complementary cell)

    @property
    def hidden(self) -> bool:
        return self.state != SHOWN


@dataclass(frozen=True)
class Suppression:
    """Which cells a public page must not print: `small` ones as "< threshold", `complementary` ones
    hidden."""

    threshold: int
    small: frozenset
    # Hidden without a label: the complements, and the rare small cell whose "< t" label would itself give
    # the value away (four categories of "< 5" under a total of "< 5" are all 1).
    complementary: frozenset

    def state(self, key: Hashable) -> str:
        if key in self.small:
            return SMALL
        if key in self.complementary:
            return HIDDEN
        return SHOWN

    def hidden(self, key: Hashable) -> bool:
        return key in self.small or key in self.complementary

    def show(self, key: Hashable, value: int) -> Shown:
        state = self.state(key)
        return Shown(value if state == SHOWN else None, state)


class _Cell(NamedTuple):
    value: int
    tail: Hashable  # the row-side equation (node) the cell belongs to
    head: Hashable  # the column-side equation
    sign: int  # +1 for a cell, -1 for a total: the equations read "sum of signed cells = 0"
    rank: int  # 0 for inner cells, 1 for totals, 2 for the grand total: the order complements are taken in


def suppress_list(counts: Sequence[int], total: int | None = None, threshold: int | None = None,
                  with_total: bool = True, total_shown: bool = False) -> Suppression:
    """Suppression for a one-way breakdown. With `with_total` the page shows the total (computed from the
    counts when not given) and the counts add up to it, so complements are needed; without it (a multiple
    choice list whose counts overlap) each small count is only shown as "< threshold". `total_shown` says the
    total is printed elsewhere on the page anyway (several breakdowns of the same people), so it is never
    hidden here."""
    threshold = default_threshold() if threshold is None else threshold
    if not with_total:
        small = frozenset(i for i, value in enumerate(counts) if 0 < value < threshold)
        return Suppression(threshold, small, frozenset())
    cells: dict[Hashable, _Cell] = {
        index: _Cell(int(value), ("row", 0), _GROUND, 1, 0) for index, value in enumerate(counts)
    }
    grand = sum(int(v) for v in counts) if total is None else int(total)
    cells[None] = _Cell(grand, ("row", 0), _GROUND, -1, 2)
    return _suppress(cells, threshold, fixed={None} if total_shown else set())


def suppress_table(counts: Sequence[Sequence[int]], threshold: int | None = None,
                   total_shown: bool = False) -> Suppression:
    """Suppression for a two-way table printed with its row, column and grand totals. `total_shown`: the grand
    total is printed elsewhere on the page, so it is never hidden here."""
    threshold = default_threshold() if threshold is None else threshold
    rows = [[int(v) for v in row] for row in counts]
    width = len(rows[0]) if rows else 0
    if any(len(row) != width for row in rows):
        raise ValueError("every row of the table must have the same number of cells")
    cells: dict[Hashable, _Cell] = {}
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            cells[(i, j)] = _Cell(value, ("row", i), ("column", j), 1, 0)
        cells[(i, None)] = _Cell(sum(row), ("row", i), ("column", None), -1, 1)
    for j in range(width):
        cells[(None, j)] = _Cell(sum(row[j] for row in rows), ("row", None), ("column", j), -1, 1)
    cells[(None, None)] = _Cell(sum(map(sum, rows)), ("row", None), ("column", None), 1, 2)
    return _suppress(cells, threshold, fixed={(None, None)} if total_shown else set())


def show_list(counts: Sequence[int], suppression: Suppression) -> tuple[list[Shown], Shown]:
    """The counts and their total as a public page may print them."""
    return ([suppression.show(i, v) for i, v in enumerate(counts)],
            suppression.show(None, sum(counts)))


@dataclass(frozen=True)
class ShownTable:
    rows: list[list[Shown]]
    row_totals: list[Shown]
    column_totals: list[Shown]
    total: Shown


def show_table(counts: Sequence[Sequence[int]], suppression: Suppression) -> ShownTable:
    """A table with its totals as a public page may print it."""
    width = len(counts[0]) if counts else 0
    return ShownTable(
        rows=[[suppression.show((i, j), v) for j, v in enumerate(row)] for i, row in enumerate(counts)],
        row_totals=[suppression.show((i, None), sum(row)) for i, row in enumerate(counts)],
        column_totals=[suppression.show((None, j), sum(row[j] for row in counts)) for j in range(width)],
        total=suppression.show((None, None), sum(map(sum, counts))),
    )


# --- the algorithm ------------------------------------------------------------------------------------------


def _suppress(cells: dict[Hashable, _Cell], threshold: int, fixed: set) -> Suppression:
    """`fixed`: cells the reader knows from elsewhere; never hidden, never chosen as complements."""
    small = {key for key, cell in cells.items() if 0 < cell.value < threshold and key not in fixed}
    hidden = set(small)
    equations: dict[Hashable, list[Hashable]] = defaultdict(list)
    for key, cell in cells.items():
        for node in (cell.tail, cell.head):
            if node != _GROUND:
                equations[node].append(key)
    order = {key: position for position, key in enumerate(cells)}

    def preference(key):
        # Smallest inner cell first, zeros after the others (a hidden zero can only be larger, so it protects
        # less), totals after every inner cell and the grand total last.
        cell = cells[key]
        return cell.rank, cell.value == 0, cell.value, order[key]

    def best_visible(keys: Iterable[Hashable]):
        # A list of one key or none: None is itself a key (the total).
        candidates = [key for key in keys if key not in hidden and key not in fixed]
        return [min(candidates, key=preference)] if candidates else []

    while True:
        changed = True
        # The rule everyone knows: no equation may have exactly one hidden cell.
        while changed:
            changed = False
            for members in equations.values():
                if sum(1 for key in members if key in hidden) == 1:
                    for extra in best_visible(members):
                        hidden.add(extra)
                        changed = True
        # The exact check: a small cell pinned by the equations and the bounds gets one more complement or,
        # when every cell around it is hidden already, a small cell near it loses its telling "< t" label.
        pinned = [key for key in sorted(small, key=order.__getitem__)
                  if not _can_move(key, cells, hidden, small, threshold)]
        if not pinned:
            break
        extra = []
        for key in pinned:
            extra = best_visible(_neighbourhood(key, cells, hidden, equations))
            if extra:
                break
        if extra:
            hidden.update(extra)
        else:
            small.discard(max(_component(pinned[0], cells, hidden, equations) & small,
                              key=lambda key: (cells[key].rank, cells[key].value, -order[key])))
    return Suppression(threshold, frozenset(small), frozenset(hidden - small))


def _bounds(key, cells, small, threshold) -> tuple[float, float]:
    """What a reader knows of a hidden cell, in the signed form used by the equations."""
    low, high = (1, threshold - 1) if key in small else (0, float("inf"))
    return (low, high) if cells[key].sign > 0 else (-high, -low)


def _can_move(target, cells, hidden, small, threshold) -> bool:
    """True when another table within the bounds agrees with every shown number but differs in `target`:
    some alternating +1/-1 cycle of hidden cells runs through it."""
    arcs: dict[Hashable, list[Hashable]] = defaultdict(list)
    for key in hidden:
        if key == target:
            continue
        cell = cells[key]
        low, high = _bounds(key, cells, small, threshold)
        signed = cell.sign * cell.value
        if signed + 1 <= high:
            arcs[cell.tail].append(cell.head)
        if signed - 1 >= low:
            arcs[cell.head].append(cell.tail)
    cell = cells[target]
    low, high = _bounds(target, cells, small, threshold)
    signed = cell.sign * cell.value
    return ((signed + 1 <= high and _reaches(arcs, cell.head, cell.tail))
            or (signed - 1 >= low and _reaches(arcs, cell.tail, cell.head)))


def _reaches(arcs, start, goal) -> bool:
    seen, frontier = {start}, [start]
    while frontier:
        node = frontier.pop()
        if node == goal:
            return True
        for following in arcs.get(node, ()):
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    return False


def _neighbourhood(target, cells, hidden, equations) -> list[Hashable]:
    """The shown cells of the nearest equations linked to `target` through hidden cells: first its own row
    and column, then the equations of the hidden cells in those, and so on."""
    level = [n for n in (cells[target].tail, cells[target].head) if n != _GROUND]
    seen = set(level)
    while level:
        found, following = [], []
        for node in level:
            for key in equations[node]:
                if key not in hidden:
                    found.append(key)
                    continue
                for other in (cells[key].tail, cells[key].head):
                    if other != _GROUND and other not in seen:
                        seen.add(other)
                        following.append(other)
        if found:
            return found
        level = following
    return []


def _component(target, cells, hidden, equations) -> set[Hashable]:
    """The hidden cells linked to `target` through equations that hold hidden cells."""
    found, queue = {target}, [target]
    while queue:
        key = queue.pop()
        for node in (cells[key].tail, cells[key].head):
            if node == _GROUND:
                continue
            for other in equations[node]:
                if other in hidden and other not in found:
                    found.add(other)
                    queue.append(other)
    return found
