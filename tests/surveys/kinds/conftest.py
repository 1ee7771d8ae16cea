"""Fixtures of the question kinds' tests: those of the survey tests, and the builder's office."""
from __future__ import annotations

from tests.surveys.test_builder import office  # noqa: F401 (a body, its consultation and councillor)
