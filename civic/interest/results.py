"""The figures of a call, shaped for its pages: exact ones for the councillors' dashboard, and a public
summary in which small groups are suppressed (civic.core.disclosure). Five GROUP BY queries, whatever the
number of declarations; the Python here only folds their few result rows."""
from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from civic.core.disclosure import (
    Shown,
    ShownTable,
    default_threshold,
    show_table,
    suppress_list,
    suppress_table,
)
from civic.database import db
from civic.interest import queries
from civic.interest.models import (
    BUDGET_LABELS,
    HORIZON_LABELS,
    NEED_LABELS,
    PROFILE_LABELS,
    ROLE_LABELS,
    Budget,
    Declaration,
    Horizon,
    InterestCall,
    Need,
    Profile,
    Role,
)


@dataclass(frozen=True)
class Row:
    key: Hashable
    label: str
    count: int


@dataclass(frozen=True)
class Breakdown:
    rows: list[Row]
    total: int

    @property
    def counts(self) -> list[int]:
        return [row.count for row in self.rows]


@dataclass(frozen=True)
class Demand:
    """Everything the dashboard shows, exact."""

    total: int
    by_role: Breakdown
    by_profile: Breakdown
    by_area: Breakdown
    by_horizon: Breakdown
    by_budget: Breakdown
    needs: list[Row]  # most named first
    desk_days: int  # days a week summed over future users (users and both)
    profile_role: list[list[int]]  # rows: profiles in order; columns: roles in order


def _breakdown(labels: dict, counts: dict) -> Breakdown:
    rows = [Row(key, str(label), counts.get(key, 0)) for key, label in labels.items()]
    return Breakdown(rows, sum(row.count for row in rows))


def demand(call: InterestCall) -> Demand:
    """The exact figures of the call's live declarations."""
    pairs = db.session.execute(queries.profile_by_role(call.id)).all()
    table = {(Profile(profile), Role(role)): (count, days) for profile, role, count, days in pairs}
    profile_role = [[table.get((profile, role), (0, 0))[0] for role in Role] for profile in Profile]
    by_role = {role: sum(table.get((p, role), (0, 0))[0] for p in Profile) for role in Role}
    by_profile = {profile: sum(row) for profile, row in zip(Profile, profile_role, strict=True)}
    desk_days = sum(int(days) for (_profile, role), (_count, days) in table.items()
                    if role in queries.USER_ROLES)

    areas = dict(db.session.execute(queries.count_by(call.id, Declaration.area_id)).all())
    area_labels = {area.id: area.name for area in call.areas} | {None: _l("No preference")}
    horizons = {Horizon(k): v for k, v in db.session.execute(queries.count_by(call.id, Declaration.horizon))}
    budgets = {Budget(k): v for k, v in db.session.execute(queries.count_by(call.id, Declaration.budget))}
    needs = [Row(Need(need), str(NEED_LABELS[Need(need)]), count)
             for need, count in db.session.execute(queries.needs_ranking(call.id)).all()]
    named = {row.key for row in needs}
    needs += [Row(need, str(NEED_LABELS[need]), 0) for need in Need if need not in named]

    return Demand(
        total=sum(by_role.values()),
        by_role=_breakdown(ROLE_LABELS, by_role),
        by_profile=_breakdown(PROFILE_LABELS, by_profile),
        by_area=_breakdown(area_labels, areas),
        by_horizon=_breakdown(HORIZON_LABELS, horizons),
        by_budget=_breakdown(BUDGET_LABELS, budgets),
        needs=needs,
        desk_days=desk_days,
        profile_role=profile_role,
    )


# --- the public summary -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownRow:
    label: str
    cell: Shown
    share: float | None  # of the total, only when the cell is shown
    key: str | None = None  # what the row is, for programs (the open-data API): an enum value, an area id


@dataclass(frozen=True)
class ShownBreakdown:
    key: str
    title: str
    caption: str
    rows: list[ShownRow]
    total: Shown


@dataclass(frozen=True)
class PublicSummary:
    total: int
    threshold: int
    enough: bool  # below the threshold nothing but "fewer than N declarations" is published
    profile_role: ShownTable | None
    profile_labels: list[str]
    role_labels: list[str]
    breakdowns: list[ShownBreakdown]
    needs: list[ShownRow]


def _shown_breakdown(key: str, title, caption, breakdown: Breakdown, total: int,
                     threshold: int) -> ShownBreakdown:
    # Every breakdown prints the same total as the summary's headline, so it is never hidden here.
    suppression = suppress_list(breakdown.counts, threshold=threshold, total_shown=True)
    rows = []
    for index, row in enumerate(breakdown.rows):
        cell = suppression.show(index, row.count)
        rows.append(ShownRow(row.label, cell, None if cell.hidden or not total else cell.value / total,
                             None if row.key is None else str(row.key)))
    return ShownBreakdown(key, str(title), str(caption), rows, Shown(total, "shown"))


def public_summary(call: InterestCall) -> PublicSummary:
    """The figures anyone may read: small groups shown as "< N", with complements so they cannot be
    derived."""
    figures = demand(call)
    threshold = default_threshold()
    enough = figures.total >= threshold
    if not enough:
        return PublicSummary(figures.total, threshold, False, None, [], [], [], [])
    table = figures.profile_role
    suppression = suppress_table(table, threshold=threshold, total_shown=True)
    needs_suppression = suppress_list([row.count for row in figures.needs], threshold=threshold,
                                      with_total=False)
    needs = []
    for index, row in enumerate(figures.needs):
        cell = needs_suppression.show(index, row.count)
        needs.append(ShownRow(row.label, cell, None if cell.hidden else cell.value / figures.total,
                              str(row.key)))
    return PublicSummary(
        total=figures.total,
        threshold=threshold,
        enough=True,
        profile_role=show_table(table, suppression),
        profile_labels=[str(PROFILE_LABELS[p]) for p in Profile],
        role_labels=[str(ROLE_LABELS[r]) for r in Role],
        breakdowns=[
            _shown_breakdown("area", _l("Preferred area"), _l("Declarations by preferred area"),
                             figures.by_area, figures.total, threshold),
            _shown_breakdown("horizon", _l("When they could start"),
                             _l("Declarations by when they could start"), figures.by_horizon, figures.total,
                             threshold),
            _shown_breakdown("budget", _l("Monthly budget"), _l("Declarations by monthly budget"),
                             figures.by_budget, figures.total, threshold),
        ],
        needs=needs,
    )
