"""The verdict along the budget: the final verdict's test at every common trajectory point.

A budget is one point on a curve; a reader asks whether the answer holds at other budgets.
Every trial is evaluated at the same log-spaced fractions of its budget (training/state.py), so
the i-th row of every trajectory of a section is the same budget: seconds, generator steps, kimg
or FLOPs, whichever kind the budget is. At each such point the two entries are compared as the
final verdict compares them (Welch's t-test over the seeds that have a value there; a seed that
diverged or failed before a point is a lost outcome there, as in the final verdict),
Holm-corrected over the points; from
these: the budgets at which each entry is significantly better, where the mean curves cross
(between which two points, and where by linear interpolation in log budget), and whether each
entry was still improving at the end (a one-sided paired t-test of the last point against the one
before, over seeds). Trajectory values come from `eval_samples` samples against the validation
split: they are not the final values (more samples, test split), and the report says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from benchbench.report.entries import entry_names, heading, lower_is_better
from benchbench.report.load import read_trajectory
from benchbench.report.stats import ALPHA, Comparison, adjust, compare

# The trajectory column that measures each budget kind, and its unit in sentences.
AXES = {
    "seconds": ("train_seconds", "s"),
    "steps": ("step", "steps"),
    "kimg": ("kimg", "kimg"),
    "flops": ("flops", "FLOPs"),
}


@dataclass
class Point:
    budget: float  # the mean over trials of the axis column at this evaluation
    comparison: Comparison


@dataclass
class Improving:
    entry: str
    still_improving: bool
    change: float  # relative change of the mean from the second-to-last to the last point
    p_value: float


@dataclass
class AlongBudget:
    a: str
    b: str
    metric: str
    axis: str
    unit: str
    column: str  # the metric's trajectory column ("fid"); `metric` is its heading ("FID")
    points: list[Point] = field(default_factory=list)
    improving: list[Improving] = field(default_factory=list)

    def better_at(self, entry: str) -> list[float]:
        return [p.budget for p in self.points if p.comparison.winner == entry]

    def crossings(self) -> list[tuple[float, float, float]]:
        """(budget before, budget after, crossing) wherever the mean difference changes sign: at a
        point where it is exactly 0, or by linear interpolation in log budget between two points.
        A difference that touches 0 and turns back is no crossing."""
        out = []
        previous: tuple[float, float] | None = None  # (budget, difference) of the last non-zero point
        zero_at: float | None = None  # the first point since then where the difference was exactly 0
        for point in self.points:
            d = point.comparison.mean_a - point.comparison.mean_b
            if not math.isfinite(d):
                continue
            if d == 0:
                zero_at = point.budget if zero_at is None else zero_at
                continue
            if previous is not None and previous[1] * d < 0:
                before, d0 = previous
                if zero_at is not None:
                    where = zero_at
                else:
                    share = d0 / (d0 - d)
                    where = math.exp(math.log(before) + share * (math.log(point.budget) - math.log(before)))
                out.append((before, point.budget, where))
            previous, zero_at = (point.budget, d), None
        return out

    def _amount(self, value: float) -> str:
        return f"{value:.3g} {self.unit}" if self.unit != "FLOPs" else f"{value:.2e} FLOPs"

    def _ranges(self, entry: str) -> str:
        """'from 21 s to 100 s' over runs of consecutive significant points."""
        runs: list[list[float]] = []
        previous_won = False
        for point in self.points:
            won = point.comparison.winner == entry
            if won and previous_won:
                runs[-1].append(point.budget)
            elif won:
                runs.append([point.budget])
            previous_won = won
        parts = [
            f"at {self._amount(r[0])}" if len(r) == 1 else f"from {self._amount(r[0])} to {self._amount(r[-1])}"
            for r in runs
        ]
        return " and ".join(parts)

    def sentence(self, labels: dict[str, str]) -> str:
        """One sentence: where each is better, whether the curves cross, who still improves."""
        if not self.points:
            return "no common evaluation points to compare along the budget"
        tested = [p for p in self.points if not math.isnan(p.comparison.p_value)]
        parts = [f"{labels.get(e, e)} better {self._ranges(e)}" for e in (self.a, self.b) if self.better_at(e)] or [
            f"no significant difference at any of the {len(tested)} points tested"
            if tested
            else f"not tested at any of the {len(self.points)} points (a test needs 2 seeds on each side)"
        ]
        crossings = self.crossings()
        parts.append(
            "; ".join(
                f"the curves cross between {self._amount(lo)} and {self._amount(hi)} (near {self._amount(x)})"
                for lo, hi, x in crossings
            )
            if crossings
            else "no crossover"
        )
        still = [labels.get(i.entry, i.entry) for i in self.improving if i.still_improving]
        untested = [labels.get(i.entry, i.entry) for i in self.improving if math.isnan(i.p_value)]
        if still:
            parts.append(f"{' and '.join(still)} still improving at the end")
        elif untested:
            verb = "still improves" if len(untested) == 1 else "still improve"
            parts.append(f"whether {' and '.join(untested)} {verb} needs 2 completed seeds to tell")
        else:
            parts.append("neither still improving at the end")
        return "; ".join(parts)

    def table(self, labels: dict[str, str]) -> pd.DataFrame:
        name_a, name_b = labels.get(self.a, self.a), labels.get(self.b, self.b)
        rows = []
        for point in self.points:
            c = point.comparison
            rows.append(
                {
                    f"budget ({self.unit})": f"{point.budget:.3g}",
                    f"{name_a} {self.metric}": f"{c.mean_a:.4g}",
                    f"{name_b} {self.metric}": f"{c.mean_b:.4g}",
                    "p (Welch)": f"{c.p_value:.3g}",
                    "p (Holm)": f"{c.p_adjusted:.3g}" if math.isfinite(c.p_adjusted) else "-",
                    "better": labels.get(c.winner, c.winner) if c.winner else "-",
                }
            )
        return pd.DataFrame(rows)

    def record(self, labels: dict[str, str]) -> dict[str, Any]:
        """The JSON report's form: every point's verdict, the ranges, crossings and plateau tests."""
        return {
            "a": self.a,
            "b": self.b,
            "metric": self.metric,
            "axis": self.axis,
            "unit": self.unit,
            "values": "validation split, eval_samples samples per point (not the final test values)",
            "points": [
                {
                    "budget": p.budget,
                    "mean_a": p.comparison.mean_a,
                    "mean_b": p.comparison.mean_b,
                    "seeds_a": p.comparison.n_a,
                    "seeds_b": p.comparison.n_b,
                    "p_value": p.comparison.p_value,
                    "p_adjusted": p.comparison.p_adjusted,
                    "winner": p.comparison.winner,
                }
                for p in self.points
            ],
            "better_at": {e: self.better_at(e) for e in (self.a, self.b)},
            "crossings": [{"after": lo, "before": hi, "interpolated": x} for lo, hi, x in self.crossings()],
            "improving": [i.__dict__ for i in self.improving],
            "sentence": self.sentence(labels),
        }


@dataclass
class Curves:
    """An entry's trajectories: each completed trial's, and each diverged or failed trial's up to
    where it stopped (a failed trial may have none)."""

    completed: list[tuple[np.ndarray, np.ndarray]]  # (metric values, axis values) per trial
    lost: list[tuple[np.ndarray, np.ndarray]]
    lost_without_curve: int

    def at(self, i: int) -> tuple[list[float], int, list[float]]:
        """The values at point i, the seeds lost by then (stopped before it, or non-finite there),
        and the axis values of the trials that reached it."""
        values, lost, axis = [], self.lost_without_curve, []
        for curve, budget in self.completed + self.lost:
            if len(curve) > i and math.isfinite(curve[i]):
                values.append(float(curve[i]))
                axis.append(float(budget[i]))
            else:
                lost += 1
        return values, lost, axis

    def common_length(self) -> int:
        """Points every completed trial reached (all a lost trial reached, if none completed)."""
        if self.completed:
            return min(len(c) for c, _ in self.completed)
        return max((len(c) for c, _ in self.lost), default=0)

    def completed_matrix(self, of: int = 0) -> np.ndarray:
        """(seeds x points) of the completed trials' metric (of=0) or axis (of=1), cut to their
        common length."""
        length = self.common_length()
        return np.array([pair[of][:length] for pair in self.completed]) if self.completed else np.empty((0, 0))


def curves_of(frame: pd.DataFrame, entry: str, metric: str, axis: str) -> Curves:
    names = entry_names(frame)
    curves = Curves([], [], 0)
    for _, trial in frame[names == entry].iterrows():
        status = trial["status"]
        if status not in ("completed", "diverged", "failed"):
            continue
        data = read_trajectory(trial["trial_dir"]) if "trial_dir" in trial else None
        has = data is not None and metric in data and axis in data
        if status == "completed" and has:
            curves.completed.append((data[metric].to_numpy(float), data[axis].to_numpy(float)))
        elif status != "completed" and has:
            curves.lost.append((data[metric].to_numpy(float), data[axis].to_numpy(float)))
        elif status != "completed":
            curves.lost_without_curve += 1
    return curves


def _improving(entry: str, values: np.ndarray, lower: bool) -> Improving:
    """Still improving: the last point better than the one before, one-sided paired t-test over seeds."""
    if values.shape[1] < 2 or values.shape[0] < 2:
        return Improving(entry, False, math.nan, math.nan)
    before, last = values[:, -2], values[:, -1]
    change = float((last.mean() - before.mean()) / abs(before.mean())) if before.mean() else math.nan
    if np.allclose(before, last):
        return Improving(entry, False, change, 1.0)
    test = stats.ttest_rel(last, before, alternative="less" if lower else "greater")
    p_value = float(test.pvalue)
    return Improving(entry, bool(p_value < ALPHA), change, p_value)


def along_budget(frame: pd.DataFrame, a: str, b: str, metric: str, budget_kind: str) -> AlongBudget | None:
    """Entries a and b compared at every evaluation point both reached (None without trajectories)."""
    axis, unit = AXES.get(budget_kind, ("train_seconds", "s"))
    lower = lower_is_better(metric)
    curve_a, curve_b = curves_of(frame, a, metric, axis), curves_of(frame, b, metric, axis)
    if not (curve_a.completed or curve_a.lost) or not (curve_b.completed or curve_b.lost):
        return None
    lengths = [c.common_length() for c in (curve_a, curve_b) if c.completed] or [
        c.common_length() for c in (curve_a, curve_b)
    ]
    result = AlongBudget(a, b, heading(metric), axis, unit, metric)
    for i in range(min(lengths)):
        (values_a, lost_a, axis_a), (values_b, lost_b, axis_b) = curve_a.at(i), curve_b.at(i)
        if not axis_a + axis_b:
            break
        comparison = compare(a, values_a, b, values_b, heading(metric), lower, lost_a, lost_b)
        result.points.append(Point(float(np.mean(axis_a + axis_b)), comparison))
    adjust([p.comparison for p in result.points])  # Holm over this pair's points
    result.improving = [
        _improving(a, curve_a.completed_matrix(), lower),
        _improving(b, curve_b.completed_matrix(), lower),
    ]
    return result


def section_along_budget(frame: pd.DataFrame, comparisons: list[Comparison], metric: str) -> list[AlongBudget]:
    """One AlongBudget per verdict of a section (its pairs of entries), on its budget's axis."""
    kinds = frame["budget_kind"].dropna().unique().tolist() if "budget_kind" in frame else []
    kind = kinds[0] if len(kinds) == 1 else "seconds"
    out = [along_budget(frame, c.a, c.b, metric, kind) for c in comparisons]
    return [o for o in out if o is not None]
