"""Figures of several rounds (median, min, max), their ratios to the baseline, the table and the JSON."""
from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Spread:
    """One figure measured in several rounds (a round without a figure, NaN, is left out)."""

    rounds: list[float]

    def __post_init__(self):
        self.rounds = [value for value in self.rounds if not math.isnan(value)]

    @property
    def median(self) -> float:
        return statistics.median(self.rounds) if self.rounds else math.nan

    @property
    def low(self) -> float:
        return min(self.rounds) if self.rounds else math.nan

    @property
    def high(self) -> float:
        return max(self.rounds) if self.rounds else math.nan

    def as_dict(self) -> dict:
        return {"median": _round(self.median), "min": _round(self.low), "max": _round(self.high),
                "rounds": [_round(v) for v in self.rounds]}


def ratios(civic: list[float], baseline: list[float], higher_is_better: bool = True) -> Spread:
    """Round-by-round ratios (each Civic round against the baseline run just before it), so machine noise
    that hits both in the same round cancels out. For latencies the ratio is baseline/civic, so for every
    ratio 1.0 means "as fast as the bare stack" and smaller means slower."""
    pairs = zip(civic, baseline, strict=False)
    if higher_is_better:
        return Spread([c / b for c, b in pairs if b])
    return Spread([b / c for c, b in pairs if c])


@dataclass
class Row:
    """One line of the table."""

    backend: str
    scenario: str
    subject: str
    metric: str
    civic: Spread | None = None
    baseline: Spread | None = None
    baseline_name: str = ""
    ratio: Spread | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    def as_dict(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if k not in ("civic", "baseline", "ratio")}
        for key in ("civic", "baseline", "ratio"):
            value = getattr(self, key)
            data[key] = value.as_dict() if value is not None else None
        return data


@dataclass
class Report:
    meta: dict
    rows: list[Row] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print("  " + _line(row), flush=True)
        return row

    def unavailable(self, backend: str, scenario: str, subject: str, reason: str) -> None:
        self.add(Row(backend, scenario, subject, "", note=f"not available yet: {reason}"))

    def detail(self, backend: str, key: str, value) -> None:
        self.details.setdefault(backend, {})[key] = value

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps({"meta": self.meta, "rows": [r.as_dict() for r in self.rows],
                                    "details": self.details}, indent=2, default=str) + "\n")

    def table(self) -> str:
        header = ("backend", "scenario", "subject", "metric", "civic med [min-max]", "baseline med",
                  "ratio med [min-max]", "target")
        lines = [[row.backend, row.scenario, row.subject, row.metric, _spread(row.civic),
                  (f"{row.baseline_name} {_number(row.baseline.median)}" if row.baseline else ""),
                  _spread(row.ratio, 2), _target(row)] for row in self.rows]
        widths = [max(len(str(cells[i])) for cells in [header, *lines]) for i in range(len(header))]
        out = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
               "-+-".join("-" * w for w in widths)]
        for row, cells in zip(self.rows, lines, strict=True):
            if row.civic is None and row.baseline is None:
                fixed = " | ".join(c.ljust(w) for c, w in zip(cells[:3], widths[:3], strict=True))
                out.append(f"{fixed} | {row.note}")
            else:
                out.append(" | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True))
                           + (f"  ({row.note})" if row.note else ""))
        return "\n".join(out)


def _target(row: Row) -> str:
    if not row.target:
        return ""
    mark = {True: "met", False: "MISSED", None: "?"}[row.met]
    return f"{row.target}: {mark}"


def _line(row: Row) -> str:
    if row.civic is None:
        return f"[{row.backend}] {row.scenario} {row.subject}: {row.note}"
    text = f"[{row.backend}] {row.scenario} {row.subject} {row.metric}: {_spread(row.civic)}"
    if row.baseline is not None:
        text += f" vs {row.baseline_name} {_spread(row.baseline)}"
    if row.ratio is not None:
        text += f" ratio {_spread(row.ratio, 2)}"
    if row.target:
        text += f" [{_target(row)}]"
    return text + (f" ({row.note})" if row.note else "")


def _spread(spread: Spread | None, digits: int | None = None) -> str:
    if spread is None:
        return ""
    if len(spread.rounds) == 1:
        return _number(spread.median, digits)
    return f"{_number(spread.median, digits)} [{_number(spread.low, digits)}-{_number(spread.high, digits)}]"


def _number(value: float, digits: int | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if digits is not None:
        return f"{value:.{digits}f}"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _round(value: float) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(value, 4)
