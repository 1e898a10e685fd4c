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

Only what the gate gates is searched (its quality metrics and both relative speeds, never the
ungated images/s), each with the gate's own minimum effect (Rule.min_change, speed_change and
wall_speed_change, the catalogue's floors for metrics near zero); speed only along the records
of one hardware. Records whose every seed was lost hold no level: they are marked, not searched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import ruptures
from ruptures.base import BaseCost

from benchbench.gate.baseline import SPEEDS, WALL_SPEED, describe_key, direction, floor_of, gated_columns, key_of
from benchbench.gate.decide import minimum_effect

if TYPE_CHECKING:
    from benchbench.gate.compare import Rule
    from benchbench.gate.history import Record

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


@dataclass(frozen=True)
class Change:
    experiment: str
    metric: str
    before: float
    after: float
    last_commit_before: str
    first_commit_after: str
    worse: bool
    index: int = 0  # the record (in history order) where the new level starts
    accepted: bool = False  # a user accepted the new level (history accept)

    def sentence(self) -> str:
        relative = f" ({(self.after - self.before) / abs(self.before):+.1%})" if self.before else ""
        tail = "" if not self.worse else "; accepted" if self.accepted else "; not accepted yet (history accept)"
        return (
            f"{self.experiment}: {self.metric} moved {self.before:.4g} -> {self.after:.4g}{relative}, "
            f"{'worse' if self.worse else 'better'}, first at commit {self.first_commit_after[:12]} "
            f"(after {self.last_commit_before[:12]}){tail}"
        )


def searched_columns(entries: list[dict[str, Any]], rule: Rule) -> list[str]:
    """The gated columns the entries hold, in the gate's order (speed only if the rule gates it)."""
    held = {c for e in entries for c in e["metrics"]}
    return [c for c in gated_columns() if c in held and (rule.speed or c not in SPEEDS)]


def effect_of(column: str, level: float, rule: Rule) -> float:
    """The gate's minimum effect for a column at a level."""
    change = (
        rule.wall_speed_change if column == WALL_SPEED else rule.speed_change if column in SPEEDS else rule.min_change
    )
    return minimum_effect(level, change, direction(column)[1], floor_of(column))


def experiment_series(records: list[Record]) -> dict[tuple, list[tuple[int, dict[str, Any]]]]:
    """Per experiment key: (record index, its entry) along the records, those that kept no seed left out."""
    found: dict[tuple, list[tuple[int, dict[str, Any]]]] = {}
    for index, record in enumerate(records):
        for entry in record.entries:
            if entry.get("completed"):
                found.setdefault(key_of(entry), []).append((index, entry))
    return found


def column_changes(
    records: list[Record], key: tuple, indexed: list[tuple[int, dict[str, Any]]], column: str, rule: Rule,
    accepted: frozenset[str] | set[str] = frozenset(),
) -> list[Change]:  # fmt: skip
    """The change points of one column of one experiment (speed along the newest hardware's records)."""
    if column in SPEEDS:
        hardware = records[indexed[-1][0]].hardware
        indexed = [(i, e) for i, e in indexed if records[i].hardware == hardware]
    entries = [entry for _, entry in indexed]
    means, errors, where = series(entries, column)
    if not means:
        return []
    found = segments(means, errors, effect_of(column, float(np.median(means)), rule))
    higher_better, _ = direction(column)
    changes = []
    for left, right in zip(found, found[1:]):
        index = indexed[where[right.start]][0]
        first, last = records[index].commit, records[indexed[where[right.start - 1]][0]].commit
        worse = right.level < left.level if higher_better else right.level > left.level
        changes.append(
            Change(describe_key(key), column, left.level, right.level, last, first, worse, index, first in accepted)
        )
    return changes


def find_changes(records: list[Record], rule: Rule, accepted: frozenset[str] | set[str] = frozenset()) -> list[Change]:
    """Every change point of every gated column of every experiment, in history order."""
    changes = []
    for key, indexed in experiment_series(records).items():
        for column in searched_columns([e for _, e in indexed], rule):
            changes += column_changes(records, key, indexed, column, rule, accepted)
    return sorted(changes, key=lambda c: c.index)
