"""Statistics over seeds (scipy): confidence intervals and a two-sample test per comparison.

Test: Welch's t-test (two-sided), which does not assume equal variances; with the 3-5 seeds a
CPU suite affords, a rank test cannot reach p < 0.05 (Mann-Whitney's smallest two-sided p with
3 vs 3 is 0.1), so it could never call a winner. Effect size: Hedges' g (bias-corrected
standardised mean difference). Verdicts use alpha = 0.05.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05


def mean_ci(values: list[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval; the interval is NaN with fewer than 2 values."""
    data = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if len(data) == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if len(data) < 2:
        return mean, math.nan, math.nan
    sem = stats.sem(data)
    if sem == 0:
        return mean, mean, mean
    low, high = stats.t.interval(confidence, len(data) - 1, loc=mean, scale=sem)
    return mean, float(low), float(high)


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    n_a, n_b = len(a), len(b)
    pooled = math.sqrt(((n_a - 1) * a.var(ddof=1) + (n_b - 1) * b.var(ddof=1)) / (n_a + n_b - 2))
    if pooled == 0:
        return math.inf if a.mean() != b.mean() else 0.0
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

    def sentence(self, label: dict[str, str]) -> str:
        name_a, name_b = label.get(self.a, self.a), label.get(self.b, self.b)
        if math.isnan(self.p_value):
            return (f"not enough seeds to test ({self.n_a} vs {self.n_b} completed): "
                    f"{self.metric} {self.mean_a:.4g} vs {self.mean_b:.4g}")  # fmt: skip
        head = f"{label.get(self.winner, self.winner)} better" if self.winner else "no significant difference"
        return (f"{head}: {self.metric} {name_a} {self.mean_a:.4g} vs {name_b} {self.mean_b:.4g} "
                f"(Welch t-test p = {self.p_value:.3g}, Hedges' g = {self.effect_size:.2f}, "
                f"{self.n_a} vs {self.n_b} seeds)")  # fmt: skip


def compare(a: str, values_a: list[float], b: str, values_b: list[float], metric: str,
            lower_is_better: bool = True) -> Comparison:  # fmt: skip
    x = np.asarray([v for v in values_a if v is not None and math.isfinite(v)], dtype=float)
    y = np.asarray([v for v in values_b if v is not None and math.isfinite(v)], dtype=float)
    mean_x = float(x.mean()) if len(x) else math.nan
    mean_y = float(y.mean()) if len(y) else math.nan
    if len(x) < 2 or len(y) < 2:
        return Comparison(a, b, metric, len(x), len(y), mean_x, mean_y, math.nan, math.nan, None)
    if x.var() == 0 and y.var() == 0:
        p_value = 0.0 if mean_x != mean_y else 1.0
    else:
        p_value = float(stats.ttest_ind(x, y, equal_var=False).pvalue)
    winner = None
    if p_value < ALPHA:
        a_better = mean_x < mean_y if lower_is_better else mean_x > mean_y
        winner = a if a_better else b
    return Comparison(a, b, metric, len(x), len(y), mean_x, mean_y, p_value, hedges_g(x, y), winner)
