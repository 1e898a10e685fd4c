"""Statistics over seeds (scipy): confidence intervals and a two-sample test per comparison.

Intervals: percentile bootstrap over seeds (scipy.stats.bootstrap, 9,999 resamples, fixed
seed); with 3 seeds it is narrow and should be read with the seed count beside it.
Test: Welch's t-test (two-sided), which does not assume equal variances; with the 3-5 seeds a
CPU suite affords, a rank test cannot reach p < 0.05 (Mann-Whitney's smallest two-sided p with
3 vs 3 is 0.1), so it could never call a winner. When trials diverged or failed, they are
outcomes, not missing data: they rank worst, and the test becomes Mann-Whitney's U on ranks.
Effect size: Hedges' g (bias-corrected standardised mean difference), and the probability of
improvement P(a better than b) = U / (n_a n_b) over seed pairs. When one report makes several
comparisons (datasets, budgets, pairs of families), p-values are Holm-corrected. alpha = 0.05.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05


def _finite(values: list[float]) -> np.ndarray:
    return np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)


def bootstrap_ci(values: list[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and percentile-bootstrap interval of the mean over seeds (NaN with fewer than 2)."""
    data = _finite(values)
    if len(data) == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if len(data) < 2 or np.ptp(data) == 0:
        return (mean, math.nan, math.nan) if len(data) < 2 else (mean, mean, mean)
    result = stats.bootstrap(
        (data,),
        np.mean,
        confidence_level=confidence,
        n_resamples=9999,
        method="percentile",
        rng=np.random.default_rng(0),
    )
    return mean, float(result.confidence_interval.low), float(result.confidence_interval.high)


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input order (NaN stays NaN)."""
    indexed = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    adjusted = [math.nan] * len(p_values)
    running, m = 0.0, len(indexed)
    for rank, (p, i) in enumerate(indexed):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    n_a, n_b = len(a), len(b)
    pooled = math.sqrt(((n_a - 1) * a.var(ddof=1) + (n_b - 1) * b.var(ddof=1)) / (n_a + n_b - 2))
    if pooled == 0:  # every seed alike on both sides: the difference is all signal
        return math.copysign(math.inf, a.mean() - b.mean()) if a.mean() != b.mean() else 0.0
    correction = 1 - 3 / (4 * (n_a + n_b) - 9)
    return float((a.mean() - b.mean()) / pooled * correction)


@dataclass
class Comparison:
    a: str
    b: str
    metric: str
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    p_value: float
    effect_size: float
    winner: str | None
    test: str = "Welch t-test"
    p_improvement: float = math.nan
    p_adjusted: float = math.nan
    n_lost_a: int = 0
    n_lost_b: int = 0
    n_collapsed_a: int = 0
    n_collapsed_b: int = 0

    def sentence(self, label: dict[str, str]) -> str:
        name_a, name_b = label.get(self.a, self.a), label.get(self.b, self.b)
        if math.isnan(self.p_value):
            return (
                f"not enough seeds to test ({self.n_a} vs {self.n_b} completed): "
                f"{self.metric} {self.mean_a:.4g} vs {self.mean_b:.4g}"
            )
        head = f"{label.get(self.winner, self.winner)} better" if self.winner else "no significant difference"
        adjusted = "" if math.isnan(self.p_adjusted) else f", Holm-adjusted p = {self.p_adjusted:.3g}"
        lost = (
            f"; {self.n_lost_a} and {self.n_lost_b} seeds diverged or failed, ranked worst"
            if self.n_lost_a or self.n_lost_b
            else ""
        )
        return (
            f"{head}: {self.metric} {name_a} {self.mean_a:.4g} vs {name_b} {self.mean_b:.4g} "
            f"({self.test} p = {self.p_value:.3g}{adjusted}, Hedges' g = {self.effect_size:.2f}, "
            f"P({name_a} better) = {self.p_improvement:.2f}, {self.n_a + self.n_lost_a} vs "
            f"{self.n_b + self.n_lost_b} seeds{lost}){self.collapse_caveat(name_a, name_b)}"
        )

    def collapse_caveat(self, name_a: str, name_b: str) -> str:
        """A comparison with a collapsed model says how it trained here, not which method is better."""
        parts = [
            f"{name} collapsed in {n} of {total} seeds"
            for name, n, total in (
                (name_a, self.n_collapsed_a, self.n_a + self.n_lost_a),
                (name_b, self.n_collapsed_b, self.n_b + self.n_lost_b),
            )
            if n
        ]
        if not parts:
            return ""
        return (
            ". CAUTION: " + " and ".join(parts) + "; this compares collapsed training with healthy "
            "training, not the two methods"
        )


def compare(
    a: str,
    values_a: list[float],
    b: str,
    values_b: list[float],
    metric: str,
    lower_is_better: bool = True,
    lost_a: int = 0,
    lost_b: int = 0,
) -> Comparison:
    """Compare completed seeds' values; `lost_*` seeds (diverged, failed) count as the worst outcome."""
    x, y = _finite(values_a), _finite(values_b)
    mean_x = float(x.mean()) if len(x) else math.nan
    mean_y = float(y.mean()) if len(y) else math.nan
    worst = math.inf if lower_is_better else -math.inf
    all_x, all_y = np.concatenate([x, [worst] * lost_a]), np.concatenate([y, [worst] * lost_b])
    if len(all_x) < 2 or len(all_y) < 2:
        return Comparison(
            a, b, metric, len(x), len(y), mean_x, mean_y, math.nan, math.nan, None, n_lost_a=lost_a, n_lost_b=lost_b
        )
    u = stats.mannwhitneyu(all_x, all_y, alternative="two-sided")
    better_pairs = u.statistic if not lower_is_better else len(all_x) * len(all_y) - u.statistic
    p_improvement = float(better_pairs / (len(all_x) * len(all_y)))
    if lost_a or lost_b:
        test, p_value = "Mann-Whitney U", float(u.pvalue)
        a_better = p_improvement > 0.5
    else:
        test = "Welch t-test"
        if x.var() == 0 and y.var() == 0:
            p_value = 0.0 if mean_x != mean_y else 1.0
        else:
            p_value = float(stats.ttest_ind(x, y, equal_var=False).pvalue)
        a_better = mean_x < mean_y if lower_is_better else mean_x > mean_y
    winner = (a if a_better else b) if p_value < ALPHA else None
    effect = hedges_g(x, y) if len(x) >= 2 and len(y) >= 2 else math.nan
    return Comparison(
        a,
        b,
        metric,
        len(x),
        len(y),
        mean_x,
        mean_y,
        p_value,
        effect,
        winner,
        test,
        p_improvement,
        n_lost_a=lost_a,
        n_lost_b=lost_b,
    )


def adjust(comparisons: list[Comparison]) -> list[Comparison]:
    """Holm-correct a report's comparisons together; winners are decided on adjusted p-values."""
    adjusted = holm([c.p_value for c in comparisons])
    if len([p for p in adjusted if not math.isnan(p)]) < 2:
        return comparisons
    for comparison, p in zip(comparisons, adjusted):
        comparison.p_adjusted = p
        if not math.isnan(p) and p >= ALPHA:
            comparison.winner = None
    return comparisons
