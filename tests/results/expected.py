"""Expected figures computed in plain Python from the generated answers (tests/results/factories.py), with no
code of the application: what every page and export must show."""
from __future__ import annotations

import math
import statistics
from collections import Counter

from tests.results import factories as f

Z = 1.959964


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval, written out from the textbook formula."""
    p = k / n
    denominator = 1 + Z ** 2 / n
    centre = (p + Z ** 2 / (2 * n)) / denominator
    half = Z / denominator * math.sqrt(p * (1 - p) / n + Z ** 2 / (4 * n ** 2))
    return centre - half, centre + half


def choice(answers: list[dict], key: str, labels: list[str], multiple: bool = False) -> dict:
    """{"answered": n, "counts": {label: count}, "other": count} for a choice question."""
    other_key = f"{key}_other"
    answered = [a for a in answers if key in a or other_key in a]
    counts = Counter()
    for a in answered:
        values = a.get(key, []) if multiple else ([a[key]] if key in a else [])
        counts.update(values)
    return {"answered": len(answered), "counts": {label: counts[label] for label in labels},
            "other": sum(1 for a in answered if other_key in a)}


def numbers(answers: list[dict], key: str) -> dict:
    values = [a[key] for a in answers if key in a]
    return {"answered": len(values), "mean": statistics.fmean(values), "median": statistics.median(values),
            "stdev": statistics.stdev(values), "min": min(values), "max": max(values),
            "counts": Counter(values)}


def ranking(answers: list[dict]) -> dict:
    ranked = [a["rank"] for a in answers if "rank" in a]
    return {label: {"mean": statistics.fmean(r[label] for r in ranked),
                    "first": sum(1 for r in ranked if r[label] == 1),
                    "by_rank": [sum(1 for r in ranked if r[label] == position)
                                for position in range(1, len(f.RANKED) + 1)]}
            for label in f.RANKED} | {"_answered": len(ranked)}


def grid(answers: list[dict]) -> dict:
    cells = Counter()
    for a in answers:
        for row, column in a.get("grid", {}).items():
            cells[(row, column)] += 1
    return {"answered": sum(1 for a in answers if "grid" in a), "cells": cells}


def seen(answers: list[dict]) -> dict:
    """Who was shown each question, following the survey's conditions."""
    everyone = len(answers)
    shown = {key: everyone for key in ("who", "needs", "often", "budget", "rank", "grid", "comment", "start",
                                       "help")}
    shown["why_not"] = sum(1 for a in answers if "Postazione" not in a.get("needs", []))
    helpers = sum(1 for a in answers if a.get("help") == "Sì")
    shown["how"] = shown["hours"] = helpers
    shown["office"] = sum(1 for a in answers
                          if a.get("help") == "Sì" and "Ufficio privato" in a.get("needs", []))
    return shown


def crossed(answers: list[dict], row_key: str, column_key: str) -> Counter:
    """Respondents per (row answer, column answer) of two single-choice questions."""
    return Counter((a[row_key], a[column_key]) for a in answers if row_key in a and column_key in a)
