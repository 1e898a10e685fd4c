"""Change points along a gate history: where a metric's level moved, and the first commit after
which it did.

A step detection that models noise, in the manner of asv's: each record's value is a mean over
seeds with a known standard error, plus variation between runs that the seeds do not show
(estimated from successive differences, robustly, so that the steps themselves do not inflate
it). The series is split into segments of constant level by penalised optimal partitioning
(ruptures' PELT) with a Gaussian cost weighted by each point's variance and a penalty of
`PENALTY_PER_LOG_N` x log(n) per change, so a noisier metric needs a larger move to show one.
A step smaller than the gate's minimum effect is merged away: the history marks what the gate
would call a change, not every significant wobble. A single point out of line is no step either
(segments hold at least `MIN_SEGMENT` records): a move at the latest commit shows once a second
record confirms it (the check against the recent history judges the latest run on its own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import ruptures
from ruptures.base import BaseCost

# Chosen by simulation (tests/test_history.py): on pure noise of 10-50 points, under 1% of series
# show a change (3.0: 2.3% at 10 points); a step of 4 standard errors halfway is found in 96%.
PENALTY_PER_LOG_N = 4.0
MIN_SEGMENT = 2


class WeightedMeanCost(BaseCost):
    """Cost of a segment of constant level: sum of w_i (x_i - weighted mean)^2, w_i = 1 / variance."""

    model = "weighted-mean"
    min_size = 1

    def fit(self, signal: np.ndarray) -> WeightedMeanCost:
        self.signal = signal  # ruptures reads its length
        self.values, self.weights = signal[:, 0], signal[:, 1]
        # prefix sums make each segment's cost O(1)
        self.sw = np.concatenate([[0.0], np.cumsum(self.weights)])
        self.swx = np.concatenate([[0.0], np.cumsum(self.weights * self.values)])
        self.swxx = np.concatenate([[0.0], np.cumsum(self.weights * self.values**2)])
        return self

    def error(self, start: int, end: int) -> float:
        w, wx, wxx = (s[end] - s[start] for s in (self.sw, self.swx, self.swxx))
        return float(max(wxx - wx * wx / w, 0.0)) if w > 0 else 0.0


@dataclass(frozen=True)
class Segment:
    start: int  # index of its first point
    end: int  # one past its last point
    level: float


def point_noise(means: np.ndarray, errors: np.ndarray) -> np.ndarray:
    """Each point's variance: its seeds' standard error squared, plus the variation between runs
    that successive differences show beyond it (robust: median absolute difference)."""
    errors = np.where(np.isfinite(errors), errors, np.nanmedian(errors) if np.isfinite(errors).any() else 0.0)
    seed_variance = errors**2
    extra = 0.0
    if len(means) > 2:
        spread = float(np.median(np.abs(np.diff(means)))) / 0.6745  # sd of a difference of two points
        extra = max(spread**2 / 2 - float(np.median(seed_variance)), 0.0)
    # a floor, so that identical points (a deterministic metric) do not get infinite weight
    floor = (1e-9 * max(float(np.median(np.abs(means))), 1e-12)) ** 2
    return seed_variance + extra + floor


def segments(means: list[float], errors: list[float], min_effect: float) -> list[Segment]:
    """Segments of constant level along the series; `min_effect` is the smallest step kept."""
    x = np.asarray(means, dtype=float)
    n = len(x)
    if n == 0:
        return []
    if n < 2 * MIN_SEGMENT:
        return [Segment(0, n, float(x.mean()))]
    variance = point_noise(x, np.asarray(errors, dtype=float))
    signal = np.column_stack([x, 1.0 / variance])
    search = ruptures.Pelt(custom_cost=WeightedMeanCost(), min_size=MIN_SEGMENT, jump=1).fit(signal)
    ends = search.predict(pen=PENALTY_PER_LOG_N * math.log(n))
    found = _segments(x, 1.0 / variance, ends)
    while len(found) > 1:  # merge the smallest step while it is below the minimum effect
        steps = [abs(b.level - a.level) for a, b in zip(found, found[1:])]
        smallest = int(np.argmin(steps))
        if steps[smallest] >= min_effect:
            break
        ends = [s.end for i, s in enumerate(found) if i != smallest]
        found = _segments(x, 1.0 / variance, ends)
    return found


def _segments(x: np.ndarray, weights: np.ndarray, ends: list[int]) -> list[Segment]:
    starts = [0, *ends[:-1]]
    return [Segment(s, e, float(np.average(x[s:e], weights=weights[s:e]))) for s, e in zip(starts, ends) if e > s]


def series(entries: list[dict[str, Any]], column: str) -> tuple[list[float], list[float], list[int]]:
    """(means, standard errors, record indices) of one metric along one experiment's records."""
    means, errors, where = [], [], []
    for index, entry in enumerate(entries):
        stats = entry["metrics"].get(column)
        if not stats or not math.isfinite(stats["mean"]):
            continue
        means.append(float(stats["mean"]))
        errors.append(float(stats["std"]) / math.sqrt(stats["n"]) if stats["n"] > 1 else math.nan)
        where.append(index)
    return means, errors, where


def last_change_index(entries: list[dict[str, Any]], min_change: float = 0.05) -> int:
    """The first record of the latest segment, over every metric of an experiment's records."""
    last = 0
    for column in {c for e in entries for c in e["metrics"]}:
        means, errors, where = series(entries, column)
        if len(means) < 2:
            continue
        found = segments(means, errors, min_change * abs(float(np.median(means))))
        last = max(last, where[found[-1].start])
    return last
