"""What a consultation page shows besides its own text. Each feature that belongs to consultations (motions,
meetings, surveys, interest calls) adds ONE entry to SECTIONS: the partial template that renders its section and
a loader `(consultation, viewer) -> dict` that returns that template's context with a fixed number of queries.
The consultation view renders them in this order."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    load: Callable[[Any, Any], dict]


SECTIONS: list[Section] = []
