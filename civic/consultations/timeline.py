"""The consultation timeline: dated steps from the phases and from what the sections contribute."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class TimelineEvent:
    """One step on a timeline; `on` None means "date to be defined" (listed last). `detail` is Markdown."""

    on: dt.date | None
    title: str
    kind: str
    url: str | None = None
    planned: bool = False
    detail: str = ""


def in_order(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """Dated events oldest first, then the undated ones in the order given (a stable sort)."""
    return sorted(events, key=lambda event: (event.on is None, event.on or dt.date.min))
