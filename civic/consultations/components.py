"""What a consultation page shows besides its own text. Each feature that belongs to consultations (motions,
meetings, surveys, interest calls) adds ONE entry to SECTIONS: the partial template that renders its section and
a loader `(consultation, viewer) -> dict` that returns that template's context with a fixed number of queries.
The consultation view renders them in this order. A loader may also return, under the key "timeline", a list of
civic.consultations.timeline.TimelineEvent: the page merges them with the phases into one timeline by date."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from civic.interest.sections import consultation_calls as consultation_interest_calls
from civic.meetings.sections import consultation_section as consultation_meetings
from civic.motions.sections import consultation_motions
from civic.surveys.sections import consultation_surveys


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    load: Callable[[Any, Any], dict]


SECTIONS: list[Section] = [
    Section("motions", "motions/_consultation_section.html", consultation_motions),
    Section("meetings", "meetings/_consultation_section.html", consultation_meetings),
    Section("surveys", "surveys/_consultation_section.html", consultation_surveys),
    Section("interest", "interest/_consultation_section.html", consultation_interest_calls),
]
