"""The gate's decision for one metric of one entry: is the run worse than the baseline?

As asv decides a benchmark regressed: the difference must be both significant and large enough
to matter.

- Significant: a one-sided Welch t-test of the run's seeds against the baseline's (Student's t
  distribution from scipy.stats), so the uncertainty of the difference counts both sides'
  standard errors; p < `alpha`.
- Large enough: worse by more than the minimum effect, `min_change` x |baseline mean| (for a
  bounded metric at least 1% of its range), so that a tiny but consistent shift (near-identical
  seeds make any shift "significant") is not an alarm.

Zero spread is decided on purpose: when neither side's seeds vary (a deterministic metric, or
a suite whose seeds all give the same value), the difference is exact and the minimum effect
alone decides. A side with one seed borrows the other side's spread; a baseline entry with one
seed is "untoleranced" (made with --allow-one-seed): the minimum effect alone decides, and the
row says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Sample:
    """One side's seeds: their mean, standard deviation (ddof 1; nan for one seed) and count."""

    mean: float
    std: float
    n: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Sample:
        data = np.asarray(list(values), dtype=float)
        return cls(float(data.mean()), float(data.std(ddof=1)) if len(data) > 1 else math.nan, len(data))


@dataclass(frozen=True)
class Judgement:
    verdict: str  # "ok", "regressed", "improved"
    worse_by: float  # in the metric's units; positive: the run is worse
    min_effect: float
    p_worse: float  # one-sided p of "the run is worse" (nan: not tested)
    method: str  # how it was decided, for the reader


def minimum_effect(mean: float, min_change: float, bounds: tuple[float, float] | None) -> float:
    effect = min_change * abs(mean)
    if bounds is not None:
        effect = max(effect, 0.01 * (bounds[1] - bounds[0]))
    return effect


def judge(
    baseline: Sample,
    run: Sample,
    higher_is_better: bool,
    min_effect: float,
    alpha: float,
) -> Judgement:
    """The run against the baseline for one metric. Both samples must hold at least one value."""
    sign = -1.0 if higher_is_better else 1.0
    worse_by = sign * (run.mean - baseline.mean)
    if baseline.n < 2:
        return _by_effect(worse_by, min_effect, "untoleranced: 1 baseline seed, minimum effect alone")
    base_sd = baseline.std
    run_sd = run.std if run.n > 1 else base_sd  # one run seed: the baseline's spread stands for it
    if base_sd == 0 and run_sd == 0:
        return _by_effect(worse_by, min_effect, "no seed spread on either side: exact difference")
    t, df = _welch_t(baseline, base_sd, run, run_sd, worse_by)
    p_worse, p_better = float(stats.t.sf(t, df)), float(stats.t.cdf(t, df))
    if p_worse < alpha and worse_by > min_effect:
        verdict = "regressed"
    elif p_better < alpha and -worse_by > min_effect:
        verdict = "improved"
    else:
        verdict = "ok"
    return Judgement(verdict, worse_by, min_effect, p_worse, "Welch t-test, one-sided")


def _welch_t(baseline: Sample, base_sd: float, run: Sample, run_sd: float, worse_by: float) -> tuple[float, float]:
    """Welch's t of the difference and its Welch-Satterthwaite degrees of freedom; a run of one
    seed (its spread borrowed from the baseline) adds no degrees of freedom of its own."""
    base_var, run_var = base_sd**2 / baseline.n, run_sd**2 / run.n
    run_df = run.n - 1 if run.n > 1 else baseline.n - 1
    denominator = base_var**2 / (baseline.n - 1) + run_var**2 / run_df
    df = (base_var + run_var) ** 2 / denominator if denominator > 0 else baseline.n + run.n - 2
    return worse_by / math.sqrt(base_var + run_var), df


def _by_effect(worse_by: float, min_effect: float, method: str) -> Judgement:
    verdict = "regressed" if worse_by > min_effect else "improved" if -worse_by > min_effect else "ok"
    return Judgement(verdict, worse_by, min_effect, math.nan, method)
