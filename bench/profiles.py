"""How big and how long: the full benchmark (about 20 minutes on two cores) and BENCH_QUICK=1 (about 3)."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    rounds: int
    connections: int          # page views, survey submission, results pages
    page_jobs: int            # requests per page per round (bounded also by page_seconds)
    page_seconds: float
    citizens: int             # logged in once, then used by the survey rounds and the RSVP race
    seats: int                # RSVP race: seats of the meeting
    race_connections: int
    submit_jobs: int          # survey responses per round (bounded also by submit_seconds)
    submit_seconds: float
    survey_sizes: tuple[int, ...]   # responses of the results surveys (10 answers each)
    results_jobs: int
    results_seconds: float
    cold_samples: int
    large_citizens: int       # extra citizens at "large" data, beyond the logged-in ones
    large_consultations: int
    large_motions: int
    large_meetings: int


FULL = Profile(
    name="full", rounds=3, connections=32, page_jobs=3000, page_seconds=4.0,
    citizens=2000, seats=200, race_connections=64, submit_jobs=2000, submit_seconds=5.0,
    survey_sizes=(1_000, 10_000, 100_000), results_jobs=400, results_seconds=4.0, cold_samples=5,
    large_citizens=50_000, large_consultations=1_000, large_motions=10_000, large_meetings=2_000,
)

QUICK = Profile(
    name="quick", rounds=3, connections=32, page_jobs=600, page_seconds=1.2,
    citizens=300, seats=30, race_connections=64, submit_jobs=400, submit_seconds=1.5,
    survey_sizes=(1_000, 10_000), results_jobs=100, results_seconds=1.5, cold_samples=3,
    large_citizens=5_000, large_consultations=200, large_motions=1_000, large_meetings=200,
)


def current() -> Profile:
    return QUICK if os.environ.get("BENCH_QUICK", "").strip() in {"1", "true", "yes"} else FULL
