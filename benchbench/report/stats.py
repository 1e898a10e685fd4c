"""Statistics over seeds (scipy): intervals, and the two questions a verdict answers apart.

Intervals: Student's t 95% interval of the mean over seeds, the interval that matches the Welch
test beside it (its coverage is simulated in tests/test_stats.py at 3, 5 and 10 seeds; a
percentile bootstrap over 3 seeds is about the data's range and covers well under 95%).

Reliability: how many seeds diverged or failed (or completed with a non-finite final value),
compared with Fisher's exact test on the 2x2 table of lost and kept seeds.
Quality: what the completed seeds reached, compared with Welch's t-test (two-sided), which does
not assume equal variances; with the 3-5 seeds a CPU suite affords, a rank test cannot reach
p < 0.05 (Mann-Whitney's smallest two-sided p with 3 vs 3 is 0.1), so it could never call a winner.
A lost seed is never averaged in as a number: it is an outcome, counted by the reliability test.

The verdict: the quality winner, unless the other entry is significantly more reliable (then no
winner, and the sentence says both); a significantly more reliable entry wins when quality
cannot be compared. When neither test decides, the sentence says how many seeds per entry would
detect a quality difference of the observed size (two-sample t-test, 80% power).
Effect size: Hedges' g (bias-corrected standardised mean difference), and the probability of
improvement P(a better than b) over seed pairs, lost seeds ranked worst. When one report makes
several comparisons, quality p-values are Holm-corrected together and reliability p-values
together. alpha = 0.05.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05
POWER = 0.8
CI_LABEL = "t 95% CI"  # the interval's method, in every table heading that shows one
MAX_SEEDS_NEEDED = 1000


def _finite(values: list[float]) -> np.ndarray:
    return np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)


def mean_ci(values: list[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student's t interval of the mean over seeds (NaN bounds with fewer than 2)."""
    data = _finite(values)
    if len(data) == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if len(data) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, len(data) - 1) * data.std(ddof=1) / math.sqrt(len(data)))
    return mean, mean - half, mean + half


def bootstrap_ci(values: list[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Deprecated since 0.4: a percentile bootstrap over a few seeds covers well under its level.
    Use mean_ci (Student's t); this returns what it returned before."""
    warnings.warn("bootstrap_ci is deprecated; use mean_ci (Student's t interval)", DeprecationWarning, 2)
    data = _finite(values)
    if len(data) == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if len(data) < 2 or np.ptp(data) == 0:
        return (mean, math.nan, math.nan) if len(data) < 2 else (mean, mean, mean)
    result = stats.bootstrap(
        (data,), np.mean, confidence_level=confidence, n_resamples=9999, method="percentile",
        rng=np.random.default_rng(0),
    )  # fmt: skip
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


def t_test_power(d: float, n: int, alpha: float = ALPHA) -> float:
    """Power of the two-sided two-sample t-test with n seeds a side at standardised effect d."""
    df = 2 * n - 2
    critical = stats.t.ppf(1 - alpha / 2, df)
    shift = abs(d) * math.sqrt(n / 2)
    return float(stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift))


def seeds_needed(x: np.ndarray, y: np.ndarray, power: float = POWER, alpha: float = ALPHA) -> int | None:
    """Seeds per entry at which a difference the size of the observed one would be found with
    `power` at significance `alpha` (the level the comparison is actually tested at: under Holm,
    less than ALPHA; None: no difference observed, or no spread to size it by;
    MAX_SEEDS_NEEDED + 1 if more than MAX_SEEDS_NEEDED)."""
    if len(x) < 2 or len(y) < 2:
        return None
    pooled = math.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2)
    difference = abs(float(x.mean() - y.mean()))
    if difference == 0 or pooled == 0:
        return None
    d = difference / pooled
    for n in range(2, MAX_SEEDS_NEEDED + 1):
        if t_test_power(d, n, alpha) >= power:
            return n
    return MAX_SEEDS_NEEDED + 1


def _value(mean: float) -> str:
    return "none completed" if math.isnan(mean) else f"{mean:.4g}"


@dataclass
class Comparison:
    a: str
    b: str
    metric: str
    n_a: int  # completed seeds with a finite value
    n_b: int
    mean_a: float
    mean_b: float
    p_value: float  # quality: Welch over completed seeds
    effect_size: float
    winner: str | None
    test: str = "Welch t-test"
    p_improvement: float = math.nan
    p_adjusted: float = math.nan
    n_lost_a: int = 0  # diverged, failed, or a non-finite final value
    n_lost_b: int = 0
    n_collapsed_a: int = 0
    n_collapsed_b: int = 0
    lower_is_better: bool = True
    reliability_p: float = math.nan  # Fisher's exact test on lost vs kept seeds (NaN: none lost)
    reliability_adjusted: float = math.nan
    seeds_needed: int | None = None
    values: tuple[np.ndarray, np.ndarray] | None = None  # the kept values, for seeds_needed after Holm

    @property
    def quality_winner(self) -> str | None:
        p = self.p_adjusted if math.isfinite(self.p_adjusted) else self.p_value
        if not (p < ALPHA) or self.mean_a == self.mean_b:
            return None
        a_better = self.mean_a < self.mean_b if self.lower_is_better else self.mean_a > self.mean_b
        return self.a if a_better else self.b

    @property
    def reliability_winner(self) -> str | None:
        p = self.reliability_adjusted if math.isfinite(self.reliability_adjusted) else self.reliability_p
        if not (p < ALPHA):
            return None
        share_a = self.n_lost_a / max(1, self.n_a + self.n_lost_a)
        share_b = self.n_lost_b / max(1, self.n_b + self.n_lost_b)
        return self.a if share_a < share_b else self.b

    def decide(self) -> None:
        """The winner from both tests: quality, unless the other entry is significantly more reliable."""
        quality, reliability = self.quality_winner, self.reliability_winner
        self.winner = quality if reliability in (None, quality) else (reliability if quality is None else None)

    def sentence(self, label: dict[str, str]) -> str:
        name_a, name_b = label.get(self.a, self.a), label.get(self.b, self.b)
        values = f"{self.metric} {name_a} {_value(self.mean_a)} vs {name_b} {_value(self.mean_b)}"
        if self.n_lost_a or self.n_lost_b:
            values += f" (among completed seeds: {self.n_a} vs {self.n_b})"
        seeds = f"{self.n_a + self.n_lost_a} vs {self.n_b + self.n_lost_b} seeds"
        tail = self.reliability_clause(name_a, name_b) + self.collapse_caveat(name_a, name_b)
        if math.isnan(self.p_value):
            head = f"{label.get(self.winner, self.winner)} better" if self.winner else "no verdict"
            return (
                f"{head}: {values}, not tested ({self.n_a} vs {self.n_b} completed seeds; a test needs "
                f"at least 2 on each side){tail}"
            )
        head = f"{label.get(self.winner, self.winner)} better" if self.winner else "no significant difference"
        adjusted = "" if math.isnan(self.p_adjusted) else f", Holm-adjusted p = {self.p_adjusted:.3g}"
        text = (
            f"{head}: {values} ({self.test} p = {self.p_value:.3g}{adjusted}, Hedges' g = "
            f"{self.effect_size:.2f}, P({name_a} better) = {self.p_improvement:.2f}, {seeds})"
        )
        text += self.improvement_caveat(name_a, name_b)
        if self.quality_winner is None and self.seeds_needed is not None:
            count = (
                f"more than {MAX_SEEDS_NEEDED:,}"
                if self.seeds_needed > MAX_SEEDS_NEEDED
                else f"about {self.seeds_needed}"
            )
            text += (
                f"; {self.n_a} vs {self.n_b} seeds cannot decide: {count} seeds each would find a difference "
                f"this size with {POWER:.0%} power"
            )
        return text + tail

    def improvement_caveat(self, name_a: str, name_b: str) -> str:
        """Why P(a better) can read 1.00 or 0.00 beside a test that finds no difference: it counts
        seed pairs (every pair favours one side), the test weighs the difference against its noise."""
        p = self.p_improvement
        if self.quality_winner is not None or not math.isfinite(p) or 0.05 < p < 0.95:
            return ""
        n, m = self.n_a + self.n_lost_a, self.n_b + self.n_lost_b
        favoured = name_a if p >= 0.95 else name_b
        floor = 2 / math.comb(n + m, n) if n and m else 1.0
        pairs = f"; P({name_a} better) = {p:.2f}: {'every' if p in (0.0, 1.0) else 'almost every'} seed pair favours {favoured}"
        if floor >= ALPHA:
            return (
                f"{pairs}, which {n} vs {m} seeds cannot make significant (the smallest two-sided rank-test p "
                f"at these counts is {floor:.2g})"
            )
        return f"{pairs}, but the t-test weighs the difference against the seeds' spread, which is wide here"

    def reliability_clause(self, name_a: str, name_b: str) -> str:
        if not (self.n_lost_a or self.n_lost_b):
            return ""
        p = self.reliability_adjusted if math.isfinite(self.reliability_adjusted) else self.reliability_p
        text = (
            f"; diverged or failed: {name_a} {self.n_lost_a} of {self.n_a + self.n_lost_a}, {name_b} "
            f"{self.n_lost_b} of {self.n_b + self.n_lost_b} (Fisher's exact test p = {p:.3g})"
        )
        reliable, quality = self.reliability_winner, self.quality_winner
        floor = reliability_floor(self.n_a + self.n_lost_a, self.n_b + self.n_lost_b)
        if not reliable and floor >= ALPHA:
            text += (
                f"; {self.n_a + self.n_lost_a} vs {self.n_b + self.n_lost_b} seeds cannot decide reliability "
                f"(Fisher's smallest p at these counts is {floor:.2g})"
            )
        if reliable:
            text += f", {name_a if reliable == self.a else name_b} more reliable"
            if quality and quality != reliable:
                text += f", {name_a if quality == self.a else name_b} better on what completed: no overall winner"
        return text

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
    """Compare two entries' seeds. `lost_*` seeds (diverged, failed) and non-finite values are
    lost outcomes: counted by the reliability test, ranked worst, never averaged in."""
    x, y = _finite(values_a), _finite(values_b)
    lost_a += len(values_a) - len(x)
    lost_b += len(values_b) - len(y)
    mean_x = float(x.mean()) if len(x) else math.nan
    mean_y = float(y.mean()) if len(y) else math.nan
    result = Comparison(
        a, b, metric, len(x), len(y), mean_x, mean_y, math.nan, math.nan, None,
        n_lost_a=lost_a, n_lost_b=lost_b, lower_is_better=lower_is_better,
    )  # fmt: skip
    if lost_a or lost_b:
        table = [[lost_a, len(x)], [lost_b, len(y)]]
        result.reliability_p = float(stats.fisher_exact(table).pvalue)
    worst = math.inf if lower_is_better else -math.inf
    all_x, all_y = np.concatenate([x, [worst] * lost_a]), np.concatenate([y, [worst] * lost_b])
    if len(all_x) and len(all_y):
        u = stats.mannwhitneyu(all_x, all_y, alternative="two-sided").statistic
        better_pairs = u if not lower_is_better else len(all_x) * len(all_y) - u
        result.p_improvement = float(better_pairs / (len(all_x) * len(all_y)))
    if len(x) >= 2 and len(y) >= 2:
        if x.var() == 0 and y.var() == 0:
            result.p_value = 0.0 if mean_x != mean_y else 1.0
        else:
            result.p_value = float(stats.ttest_ind(x, y, equal_var=False).pvalue)
        result.effect_size = hedges_g(x, y)
        result.seeds_needed = seeds_needed(x, y)
        result.values = (x, y)
    result.decide()
    return result


def adjust(comparisons: list[Comparison]) -> list[Comparison]:
    """Holm-correct a scope of comparisons together (quality p-values, and apart from them the
    reliability p-values); winners are then decided on adjusted p-values."""
    for attribute, into in (("p_value", "p_adjusted"), ("reliability_p", "reliability_adjusted")):
        adjusted = holm([getattr(c, attribute) for c in comparisons])
        if len([p for p in adjusted if not math.isnan(p)]) >= 2:
            for comparison, p in zip(comparisons, adjusted):
                setattr(comparison, into, p)
    for comparison in comparisons:
        comparison.decide()
        applied = holm_level(comparison.p_value, comparison.p_adjusted)
        if comparison.values is not None and applied < ALPHA:  # seeds needed at the level Holm applied
            comparison.seeds_needed = seeds_needed(*comparison.values, alpha=applied)
    return comparisons


def holm_level(p: float, adjusted: float) -> float:
    """The significance level Holm tested a p-value at: ALPHA x p / adjusted p (ALPHA when not adjusted)."""
    if not (math.isfinite(p) and math.isfinite(adjusted)) or adjusted <= 0 or p <= 0:
        return ALPHA
    return min(ALPHA, ALPHA * p / adjusted)


def reliability_floor(seeds_a: int, seeds_b: int) -> float:
    """The smallest two-sided p Fisher's exact test can give with these seed counts (every seed of
    one side lost, none of the other): at 3 vs 3 it is 0.1, so no loss pattern is significant."""
    if not seeds_a or not seeds_b:
        return 1.0
    return float(stats.fisher_exact([[seeds_a, 0], [0, seeds_b]]).pvalue)
