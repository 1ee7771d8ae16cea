"""Honest statistics from aggregate rows (counts, sums, value counts): never from individual answers.

Everything here takes what a GROUP BY query returned, so its cost depends on the number of options or distinct
values, not on the number of responses."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Z95 = 1.959964  # the two-sided 95% quantile of the normal distribution


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion of k successes out of n, as fractions in [0, 1]; None when
    n is 0. Unlike the normal approximation it stays inside [0, 1] and is honest for small k and n."""
    if n <= 0:
        return None
    if not 0 <= k <= n:
        raise ValueError("k must lie between 0 and n")
    p = k / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    denominator = 1 + z2 / n
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


@dataclass(frozen=True)
class Moments:
    """Count, mean and sample standard deviation of a numeric answer, from COUNT, SUM(x) and SUM(x*x)."""

    count: int
    mean: float | None
    stdev: float | None  # the sample standard deviation (n - 1); None for fewer than two values


def moments(count: int, total: float | None, total_of_squares: float | None) -> Moments:
    if not count:
        return Moments(0, None, None)
    mean = float(total) / count
    if count < 2:
        return Moments(count, mean, None)
    # Sum of squared deviations; clamp tiny negative results of floating point cancellation.
    squares = max(float(total_of_squares) - float(total) * float(total) / count, 0.0)
    return Moments(count, mean, math.sqrt(squares / (count - 1)))


@dataclass(frozen=True)
class Summary:
    """What the results page says about the answers to a number or scale question."""

    moments: Moments
    median: float | None
    minimum: float | None
    maximum: float | None


def summarize(value_counts: Iterable[tuple[float, int]]) -> Summary:
    """Count, mean, standard deviation, median, minimum and maximum of a distribution given as (value, how
    many) pairs. The sums are correctly rounded (math.fsum), so the figures depend on the distribution alone,
    never on the order of its rows: counts merged from batches of responses give exactly the figures of one
    pass over all of them (a database's SUM over floats depends on the order it meets the rows in)."""
    pairs = [(float(value), int(count)) for value, count in value_counts if count]
    if not pairs:
        return Summary(Moments(0, None, None), None, None, None)
    count = sum(n for _value, n in pairs)
    total = math.fsum(value * n for value, n in pairs)
    squares = math.fsum(value * value * n for value, n in pairs)
    return Summary(moments(count, total, squares), median_from_counts(pairs),
                   min(value for value, _n in pairs), max(value for value, _n in pairs))


def median_from_counts(value_counts: Iterable[tuple[float, int]]) -> float | None:
    """The median of a distribution given as (value, how many) pairs: the middle value, or the mean of the
    two middle ones (what PostgreSQL's percentile_cont(0.5) and Python's statistics.median give)."""
    pairs = sorted((float(value), int(count)) for value, count in value_counts if count)
    n = sum(count for _value, count in pairs)
    if not n:
        return None
    low_index, high_index = (n - 1) // 2, n // 2  # 0-based positions of the middle value(s)
    low = high = None
    seen = 0
    for value, count in pairs:
        if low is None and low_index < seen + count:
            low = value
        if high_index < seen + count:
            high = value
            break
        seen += count
    return (low + high) / 2


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    last: bool  # the last bin includes its upper edge


def bins(value_counts: Sequence[tuple[float, int]], most: int = 10) -> list[Bin]:
    """Equal-width bins over the range of the values (for number questions with many distinct values)."""
    pairs = [(float(value), int(count)) for value, count in value_counts if count]
    if not pairs:
        return []
    low, high = min(v for v, _c in pairs), max(v for v, _c in pairs)
    if low == high:
        return [Bin(low, high, sum(c for _v, c in pairs), True)]
    width = (high - low) / most
    counts = [0] * most
    for value, count in pairs:
        counts[min(int((value - low) / width), most - 1)] += count
    return [Bin(low + i * width, low + (i + 1) * width if i < most - 1 else high, counts[i], i == most - 1)
            for i in range(most)]


def percent(part: int | float, whole: int | float) -> float | None:
    """part / whole as a fraction, None when whole is 0 (the page shows a dash, never a division error)."""
    return part / whole if whole else None
