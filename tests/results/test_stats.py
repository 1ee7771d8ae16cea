"""The statistics helpers against published reference values and Python's statistics module."""
from __future__ import annotations

import random
import statistics

import pytest

from civic.core.stats import bins, median_from_counts, moments, percent, wilson


@pytest.mark.parametrize("k, n, low, high", [
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", table I, Wilson score
    # method.
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    # Symmetric and extreme cases.
    (5, 10, 0.2366, 0.7634),
    (10, 10, 0.7225, 1.0),
])
def test_wilson_matches_published_values(k, n, low, high):
    got = wilson(k, n)
    assert got[0] == pytest.approx(low, abs=5e-5)
    assert got[1] == pytest.approx(high, abs=5e-5)


def test_wilson_refuses_nonsense_and_has_nothing_for_no_answers():
    assert wilson(0, 0) is None
    with pytest.raises(ValueError):
        wilson(5, 4)


def test_median_from_value_counts_equals_the_median_of_the_values():
    rng = random.Random(5)
    for size in (1, 2, 3, 10, 101, 1000):
        values = [rng.choice([1, 2, 2.5, 3, 7, 10]) for _ in range(size)]
        counts = {}
        for value in values:
            counts[value] = counts.get(value, 0) + 1
        assert median_from_counts(counts.items()) == statistics.median(values)
    assert median_from_counts([]) is None


def test_moments_from_sums_equal_the_direct_computation():
    values = [1.0, 2.0, 2.0, 3.5, 10.0]
    got = moments(len(values), sum(values), sum(v * v for v in values))
    assert got.mean == pytest.approx(statistics.fmean(values))
    assert got.stdev == pytest.approx(statistics.stdev(values))
    assert moments(1, 4.0, 16.0).stdev is None
    assert moments(0, None, None).mean is None


def test_bins_hold_every_value_once():
    counts = [(float(v), 1) for v in range(100)] + [(99.0, 4)]
    made = bins(counts, most=10)
    assert len(made) == 10 and sum(b.count for b in made) == 104
    assert made[-1].count == 14 and made[-1].last


def test_percent_of_nothing_is_nothing():
    assert percent(3, 0) is None
    assert percent(1, 4) == 0.25
