"""The gate's decision for one metric of one entry: is the run worse than the baseline?

As asv decides a benchmark regressed: the difference must be both significant and large enough
to matter.

- Significant: a one-sided Welch t-test of the run's seeds against the baseline's (Student's t
  distribution from scipy.stats), so the uncertainty of the difference counts both sides'
  standard errors. A check makes many such tests (every gated metric of every entry, the
  speeds, the lost seeds): compare.py Holm-adjusts their p-values together and decides each with
  `verdict`, so that `alpha` is the false-alarm rate of the whole check, not of one test.
- Large enough: worse by more than the minimum effect, `min_change` x |baseline mean| (for a
  bounded metric at least 1% of its range, for a metric that lives near zero at least the
  catalogue's absolute floor), so that a tiny but consistent shift (near-identical seeds make any
  shift "significant") is not an alarm.

Zero spread is decided on purpose: when neither side's seeds vary (a deterministic metric, or
a suite whose seeds all give the same value), the difference is exact and the minimum effect
alone decides. A run of one seed is judged by the prediction interval of one new value from the
baseline's seeds: t = difference / (s sqrt(1 + 1/n)) on the baseline's n - 1 degrees of freedom,
none borrowed. A baseline entry with one seed is "untoleranced" (made with --allow-one-seed): the
minimum effect alone decides, and the row says so.

Lost seeds are tested apart (`lost_p`): Fisher's exact test, one-sided, of the run's lost share
against the baseline's.
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
    verdict: str  # "ok", "regressed", "improved" (at the alpha it was judged at, unadjusted)
    worse_by: float  # in the metric's units; positive: the run is worse
    min_effect: float
    p_worse: float  # one-sided p of "the run is worse" (nan: not tested)
    method: str  # how it was decided, for the reader
    p_better: float = math.nan  # one-sided p of "the run is better"

    @property
    def tested(self) -> bool:
        return math.isfinite(self.p_worse)


def minimum_effect(
    mean: float, min_change: float, bounds: tuple[float, float] | None, floor: float | None = None
) -> float:
    """The smallest change that counts: relative to the level, at least 1% of a bounded metric's
    range, and at least an absolute floor for a metric whose level can sit near zero."""
    effect = min_change * abs(mean)
    if bounds is not None:
        effect = max(effect, 0.01 * (bounds[1] - bounds[0]))
    if floor is not None:
        effect = max(effect, floor)
    return effect


def verdict(worse_by: float, min_effect: float, p_worse: float, p_better: float, alpha: float) -> str:
    """Regressed when significantly worse and worse by more than the minimum effect (improved the
    other way); the p-values are the adjusted ones when the test is one of several."""
    if p_worse < alpha and worse_by > min_effect:
        return "regressed"
    if p_better < alpha and -worse_by > min_effect:
        return "improved"
    return "ok"


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
    if run.n < 2:
        if baseline.std == 0:
            return _by_effect(worse_by, min_effect, "no seed spread on either side: exact difference")
        t, df, method = worse_by / (baseline.std * math.sqrt(1 + 1 / baseline.n)), baseline.n - 1, "prediction interval"
    else:
        if baseline.std == 0 and run.std == 0:
            return _by_effect(worse_by, min_effect, "no seed spread on either side: exact difference")
        t, df = _welch_t(baseline, run, worse_by)
        method = "Welch t-test, one-sided"
    p_worse, p_better = float(stats.t.sf(t, df)), float(stats.t.cdf(t, df))
    return Judgement(
        verdict(worse_by, min_effect, p_worse, p_better, alpha), worse_by, min_effect, p_worse, method, p_better
    )


def _welch_t(baseline: Sample, run: Sample, worse_by: float) -> tuple[float, float]:
    """Welch's t of the difference and its Welch-Satterthwaite degrees of freedom."""
    base_var, run_var = baseline.std**2 / baseline.n, run.std**2 / run.n
    denominator = base_var**2 / (baseline.n - 1) + run_var**2 / (run.n - 1)
    df = (base_var + run_var) ** 2 / denominator if denominator > 0 else baseline.n + run.n - 2
    return worse_by / math.sqrt(base_var + run_var), df


def _by_effect(worse_by: float, min_effect: float, method: str) -> Judgement:
    exact = "regressed" if worse_by > min_effect else "improved" if -worse_by > min_effect else "ok"
    return Judgement(exact, worse_by, min_effect, math.nan, method)


def lost_p(base_lost: int, base_seeds: int, run_lost: int, run_seeds: int) -> float:
    """One-sided p of "the run loses seeds more often than the baseline" (Fisher's exact test on
    lost and kept seeds); nan when the run lost no more than it could by the baseline's rate."""
    if run_lost == 0 or run_seeds == 0 or base_seeds == 0:
        return math.nan
    table = [[run_lost, run_seeds - run_lost], [base_lost, base_seeds - base_lost]]
    return float(stats.fisher_exact(table, alternative="greater").pvalue)
