"""The statistics behind every verdict, on cases worked out by hand (or by formula, independently of
the code under test). Written against the mutants mutmut left alive in report/stats.py; those
that change nothing observable are listed in docs/mutation-survivors.md."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats as scipy_stats

from benchbench.report.stats import Comparison, adjust, bootstrap_ci, compare, hedges_g


@pytest.fixture(autouse=True)
def no_numpy_warnings():
    """A mean of nothing or a variance of one value warns: the code must not compute them."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "(Mean of empty slice|Degrees of freedom)", RuntimeWarning)
        yield


def test_bootstrap_of_too_few_or_identical_values():
    assert all(math.isnan(v) for v in bootstrap_ci([]))
    mean, low, high = bootstrap_ci([4.0])
    assert mean == 4.0 and math.isnan(low) and math.isnan(high)
    assert bootstrap_ci([4.0, 4.0, 4.0]) == (4.0, 4.0, 4.0)


def test_bootstrap_ignores_missing_values_and_resamples_two_or_more():
    mean, low, high = bootstrap_ci([1.0, None, math.nan, math.inf, 2.0])
    assert mean == 1.5 and 1.0 <= low < high <= 2.0  # two values (spread exactly 1) are resampled
    _, low3, high3 = bootstrap_ci([1.0, 2.0, 2.0])
    assert low3 < high3


def test_bootstrap_is_the_seeded_percentile_interval_at_the_asked_confidence():
    # irregular values: the means of resamples of a few round numbers repeat, and so would the interval
    data = [3.17, 5.42, 4.05, 10.93, 7.61, 2.28, 6.74, 8.39]
    assert bootstrap_ci(data) == bootstrap_ci(data)  # a fixed resampling seed
    reference = scipy_stats.bootstrap(
        (np.asarray(data),), np.mean, n_resamples=9999, method="percentile", rng=np.random.default_rng(0)
    ).confidence_interval
    assert bootstrap_ci(data)[1:] == pytest.approx((reference.low, reference.high))
    _, low50, high50 = bootstrap_ci(data, confidence=0.5)
    assert reference.low < low50 < high50 < reference.high


def test_hedges_g_with_unequal_sizes_and_variances():
    a, b = np.array([1.0, 3.0, 8.0]), np.array([2.0, 2.5, 4.5, 3.0])
    # variances 13 and 7/6; pooled sd sqrt((2 x 13 + 3 x 7/6) / 5) = sqrt(5.9); J = 1 - 3 / (4 x 7 - 9)
    assert hedges_g(a, b) == pytest.approx(1.0 / math.sqrt(5.9) * (1 - 3 / 19))
    assert hedges_g(b, a) == pytest.approx(-hedges_g(a, b))


def test_hedges_g_without_spread():
    assert hedges_g(np.array([2.0, 2.0]), np.array([2.0, 2.0])) == 0.0
    assert hedges_g(np.array([3.0, 3.0]), np.array([2.0, 2.0])) == math.inf
    assert hedges_g(np.array([1.0, 1.0]), np.array([2.0, 2.0])) == -math.inf


def test_welch_against_its_formula():
    x, y = [1.0, 3.0, 8.0], [2.0, 2.5, 4.5, 3.0]
    vx, vy = 13.0 / 3, (7.0 / 6) / 4  # variance of each mean
    t = (4.0 - 3.0) / math.sqrt(vx + vy)
    df = (vx + vy) ** 2 / (vx**2 / 2 + vy**2 / 3)
    result = compare("a", x, "b", y, "FID")
    assert result.p_value == pytest.approx(2 * scipy_stats.t.sf(abs(t), df))
    assert (result.a, result.b, result.metric, result.n_a, result.n_b) == ("a", "b", "FID", 3, 4)
    assert (result.mean_a, result.mean_b) == (4.0, 3.0)


def test_one_side_without_spread_still_gets_welch():
    # x has no spread, y has: t = -2 / sqrt(1/3), df = 2, two-sided p = 0.0742
    one = compare("a", [1.0, 1.0, 1.0], "b", [2.0, 3.0, 4.0], "FID")
    assert one.p_value == pytest.approx(0.07418, rel=1e-3) and one.winner is None
    # 2 vs 2 seeds are enough: t = (1 - 5) / sqrt(2 / 2), df = 1, p = 0.156
    for a, b in (([0.0, 2.0], [5.0, 5.0]), ([5.0, 5.0], [0.0, 2.0])):
        two = compare("a", a, "b", b, "FID")
        assert two.p_value == pytest.approx(0.1560, rel=1e-3) and math.isfinite(two.effect_size)


def test_no_spread_on_either_side():
    apart = compare("a", [1.0, 1.0, 1.0], "b", [2.0, 2.0, 2.0], "FID")
    assert apart.p_value == 0.0 and apart.winner == "a"
    alike = compare("a", [1.0, 1.0], "b", [1.0, 1.0], "FID")
    assert alike.p_value == 1.0 and alike.winner is None


def test_too_few_seeds_is_no_test_and_keeps_its_fields():
    for few in (
        compare("a", [1.0], "b", [2.0, 3.0], "FID"),
        compare("a", [], "b", [1.0, 2.0, 3.0], "FID", lost_a=1),  # one lost seed is one seed
        compare("a", [1.0, 2.0], "b", [], "FID", lost_b=1),
    ):
        assert math.isnan(few.p_value) and math.isnan(few.effect_size) and few.winner is None
        assert (few.a, few.b, few.metric) == ("a", "b", "FID")
    few = compare("a", [], "b", [1.0, 2.0, 3.0], "FID", lost_a=1)
    assert (few.n_a, few.n_b, few.n_lost_a, few.n_lost_b) == (0, 3, 1, 0) and math.isnan(few.mean_a)
    other = compare("a", [1.0, 2.0], "b", [], "FID", lost_b=1)
    assert (other.n_a, other.n_b, other.n_lost_b) == (2, 0, 1)


def test_lost_seeds_rank_worst_in_either_direction():
    # higher is better: b's two lost seeds rank below everything, so a wins all 16 pairs
    higher = compare("a", [5.0, 6.0, 7.0, 8.0], "b", [1.0, 2.0], "IS", lower_is_better=False, lost_b=2)
    assert higher.p_improvement == 1.0 and higher.n_lost_b == 2
    assert higher.winner == "a" and higher.test == "Mann-Whitney U"
    assert higher.p_value == pytest.approx(scipy_stats.mannwhitneyu([5, 6, 7, 8], [1, 2, -9, -9]).pvalue)
    lost_a = compare("a", [1.0, 2.0], "b", [5.0, 6.0, 7.0, 8.0], "IS", lower_is_better=False, lost_a=2)
    assert lost_a.n_lost_a == 2 and lost_a.winner == "b" and lost_a.p_improvement == 0.0
    # one completed seed beside a lost one: tested on ranks, with no effect size
    single = compare("a", [1.0], "b", [2.0, 3.0, 4.0], "FID", lost_a=1)
    assert not math.isnan(single.p_value) and math.isnan(single.effect_size)


def test_probability_of_improvement_when_higher_is_better():
    assert compare("a", [4.0, 5.0, 6.0], "b", [1.0, 2.0, 3.0], "IS", lower_is_better=False).p_improvement == 1.0
    assert compare("a", [1.0, 2.0, 3.0], "b", [4.0, 5.0, 6.0], "IS", lower_is_better=False).p_improvement == 0.0


def _significant(name: str, p: float) -> Comparison:
    return Comparison(name, "b", "FID", 3, 3, 1.0, 2.0, p, -2.0, name)


def test_holm_removes_winners_that_do_not_survive_the_correction():
    kept, dropped = adjust([_significant("a", 0.001), _significant("c", 0.03)])
    assert kept.p_adjusted == pytest.approx(0.002) and kept.winner == "a"
    assert dropped.p_adjusted == pytest.approx(0.03) and dropped.winner == "c"
    both = adjust([_significant("a", 0.03), _significant("c", 0.04)])
    assert [c.p_adjusted for c in both] == pytest.approx([0.06, 0.06])
    assert [c.winner for c in both] == [None, None]
    boundary = adjust([_significant("a", 0.025), _significant("c", 0.025)])  # adjusted to exactly 0.05
    assert [c.winner for c in boundary] == [None, None]


def test_holm_needs_two_tests():
    alone = adjust([_significant("a", 0.03), _significant("c", math.nan)])
    assert math.isnan(alone[0].p_adjusted) and alone[0].winner == "a"
    assert alone[1].winner == "c"  # an untested comparison is left as it was


def test_the_verdict_sentence_word_for_word():
    """The sentence is what a reader of the report acts on: its numbers, names and caveats."""
    label = {"a": "WGAN-GP", "b": "BEGAN"}
    plain = Comparison("a", "b", "FID", 3, 3, 10.0, 20.0, 0.01, -2.5, "a", p_improvement=1.0)
    assert plain.sentence(label) == (
        "WGAN-GP better: FID WGAN-GP 10 vs BEGAN 20 (Welch t-test p = 0.01, Hedges' g = -2.50, "
        "P(WGAN-GP better) = 1.00, 3 vs 3 seeds)"
    )
    assert plain.sentence({}).startswith("a better: FID a 10 vs b 20 (")
    troubled = Comparison(
        "a",
        "b",
        "FID",
        2,
        3,
        10.0,
        20.0,
        0.2,
        -1.0,
        None,
        "Mann-Whitney U",
        0.75,
        0.4,
        n_lost_a=2,
        n_lost_b=1,
        n_collapsed_a=1,
        n_collapsed_b=2,
    )
    assert troubled.sentence(label) == (
        "no significant difference: FID WGAN-GP 10 vs BEGAN 20 (Mann-Whitney U p = 0.2, Holm-adjusted "
        "p = 0.4, Hedges' g = -1.00, P(WGAN-GP better) = 0.75, 4 vs 4 seeds; 2 and 1 seeds diverged or "
        "failed, ranked worst). CAUTION: WGAN-GP collapsed in 1 of 4 seeds and BEGAN collapsed in 2 of "
        "4 seeds; this compares collapsed training with healthy training, not the two methods"
    )
