"""The statistics behind every verdict, on cases worked out by hand (or by formula, independently of
the code under test). Written against the mutants mutmut left alive in report/stats.py; those
that change nothing observable are listed in docs/mutation-survivors.md."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats as scipy_stats

from benchbench.report.stats import Comparison, adjust, bootstrap_ci, compare, hedges_g, mean_ci, t_test_power


@pytest.fixture(autouse=True)
def no_numpy_warnings():
    """A mean of nothing or a variance of one value warns: the code must not compute them."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "(Mean of empty slice|Degrees of freedom)", RuntimeWarning)
        yield


def test_interval_of_too_few_or_identical_values():
    assert all(math.isnan(v) for v in mean_ci([]))
    mean, low, high = mean_ci([4.0])
    assert mean == 4.0 and math.isnan(low) and math.isnan(high)
    assert mean_ci([4.0, 4.0, 4.0]) == (4.0, 4.0, 4.0)


def test_interval_is_students_t_at_the_asked_confidence():
    # 1, 2, 6: mean 3, sd sqrt(7), t(0.975, 2) = 4.3027
    mean, low, high = mean_ci([1.0, None, math.nan, 2.0, 6.0])
    half = 4.302653 * math.sqrt(7) / math.sqrt(3)
    assert mean == 3.0 and (low, high) == pytest.approx((3 - half, 3 + half), rel=1e-6)
    _, low50, high50 = mean_ci([1.0, 2.0, 6.0], confidence=0.5)
    assert low < low50 < 3.0 < high50 < high


@pytest.mark.parametrize("n", [3, 5, 10])
def test_interval_coverage_is_nominal_on_normal_data(n):
    """Simulated: 4,000 samples of n normal seeds; the 95% interval must cover the true mean
    within 2 points of 95% (a percentile bootstrap covers about 74% at n = 3)."""
    rng = np.random.default_rng(n)
    covered = 0
    for sample in rng.normal(10.0, 3.0, size=(4000, n)):
        _, low, high = mean_ci(sample.tolist())
        covered += low <= 10.0 <= high
    assert abs(covered / 4000 - 0.95) <= 0.02


def test_the_deprecated_bootstrap_still_answers_and_warns():
    data = [3.17, 5.42, 4.05, 10.93, 7.61, 2.28, 6.74, 8.39]
    with pytest.warns(DeprecationWarning, match="mean_ci"):
        mean, low, high = bootstrap_ci(data)
    reference = scipy_stats.bootstrap(
        (np.asarray(data),), np.mean, n_resamples=9999, method="percentile", rng=np.random.default_rng(0)
    ).confidence_interval
    assert (low, high) == pytest.approx((reference.low, reference.high))


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


def test_lost_seeds_are_an_outcome_of_their_own_exact_test():
    # higher is better: b lost 2 of 4 seeds; quality compares what completed, reliability the counts
    higher = compare("a", [5.0, 6.0, 7.0, 8.0], "b", [1.0, 2.0], "IS", lower_is_better=False, lost_b=2)
    assert higher.p_improvement == 1.0 and higher.n_lost_b == 2 and higher.test == "Welch t-test"
    assert higher.p_value == pytest.approx(scipy_stats.ttest_ind([5, 6, 7, 8], [1, 2], equal_var=False).pvalue)
    assert higher.reliability_p == pytest.approx(scipy_stats.fisher_exact([[0, 4], [2, 2]]).pvalue)
    assert higher.winner == "a"
    lost_a = compare("a", [1.0, 2.0], "b", [5.0, 6.0, 7.0, 8.0], "IS", lower_is_better=False, lost_a=2)
    assert lost_a.n_lost_a == 2 and lost_a.winner == "b" and lost_a.p_improvement == 0.0


def test_non_finite_values_count_as_lost_not_dropped():
    result = compare("a", [1.0, math.nan, math.inf], "b", [2.0, 3.0, 4.0], "FID")
    assert (result.n_a, result.n_lost_a) == (1, 2) and result.mean_a == 1.0
    assert result.reliability_p == pytest.approx(scipy_stats.fisher_exact([[2, 1], [0, 3]]).pvalue)


def test_a_family_that_always_diverges_never_wins():
    for lower in (True, False):
        gone = compare("a", [], "b", [5.0, 6.0, 7.0], "FID", lower, lost_a=3)
        assert gone.winner != "a" and math.isnan(gone.p_value)
        assert gone.reliability_p == pytest.approx(0.1)  # 3 of 3 vs 0 of 3: Fisher's smallest p
        assert "a 3 of 3" in gone.sentence({}) and "none completed" in gone.sentence({})
    many = compare("a", [], "b", [5.0] * 6, "FID", lost_a=6)
    assert many.reliability_p < 0.05 and many.winner == "b" and "b more reliable" in many.sentence({})


def test_more_reliable_against_better_on_what_completed_is_no_winner():
    mixed = compare("a", [1.0, 1.1], "b", [9.0, 9.1, 9.2, 9.0, 9.1, 9.2, 9.0, 9.1], "FID", lost_a=8)
    assert mixed.quality_winner == "a" and mixed.reliability_winner == "b" and mixed.winner is None
    assert "no overall winner" in mixed.sentence({})


def test_undecided_says_how_many_seeds_would_decide():
    # d = 1 (means 2 and 3, both sd 1): the two-sample t-test needs 17 a side for 80% power
    result = compare("a", [1.0, 2.0, 3.0], "b", [2.0, 3.0, 4.0], "FID")
    assert result.winner is None and result.seeds_needed == 17
    assert "about 17 seeds each" in result.sentence({})
    assert t_test_power(1.0, 17) >= 0.8 > t_test_power(1.0, 16)
    assert compare("a", [1.0, 2.0, 3.0], "b", [3.0, 1.0, 2.0], "FID").seeds_needed is None  # no difference


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
    assert alone[1].winner is None  # an untested comparison has no winner, whatever it was built with


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
        reliability_p=0.6,
    )
    assert troubled.sentence(label) == (
        "no significant difference: FID WGAN-GP 10 vs BEGAN 20 (among completed seeds: 2 vs 3) (Mann-Whitney U "
        "p = 0.2, Holm-adjusted p = 0.4, Hedges' g = -1.00, P(WGAN-GP better) = 0.75, 4 vs 4 seeds); diverged or "
        "failed: WGAN-GP 2 of 4, BEGAN 1 of 4 (Fisher's exact test p = 0.6). CAUTION: WGAN-GP collapsed in 1 of 4 seeds and BEGAN collapsed in 2 of "
        "4 seeds; this compares collapsed training with healthy training, not the two methods"
    )


def test_a_verdict_with_lost_seeds_says_it_compares_completed_seeds_and_when_reliability_is_undecidable():
    result = compare("a", [1.0, 1.1, math.nan], "b", [2.0, 2.1, 2.2], "FID")
    text = result.sentence({})
    assert "(among completed seeds: 2 vs 3)" in text
    assert "3 vs 3 seeds cannot decide reliability (Fisher's smallest p at these counts is 0.1)" in text
    enough = compare("a", [1.0] * 2 + [math.nan] * 6, "b", [2.0 + 0.1 * i for i in range(8)], "FID")
    assert "cannot decide reliability" not in enough.sentence({})  # 8 vs 8: the floor is under 0.05
    assert "among completed seeds" not in compare("a", [1.0, 1.1, 1.2], "b", [2.0, 2.1, 2.2], "FID").sentence({})


def test_seeds_needed_are_sized_at_the_level_holm_applied():
    rng = np.random.default_rng(0)
    pairs = [(rng.normal(0, 1, 3), rng.normal(0.8, 1, 3)) for _ in range(4)]
    alone = [compare("a", list(x), "b", list(y), "FID") for x, y in pairs]
    together = adjust([compare("a", list(x), "b", list(y), "FID") for x, y in pairs])
    for single, adjusted in zip(alone, together):
        if single.seeds_needed and adjusted.seeds_needed and adjusted.p_adjusted > adjusted.p_value:
            assert adjusted.seeds_needed > single.seeds_needed
    assert any(a.seeds_needed and b.seeds_needed and b.seeds_needed > a.seeds_needed for a, b in zip(alone, together))


def test_a_probability_of_improvement_of_one_beside_no_significant_difference_says_why():
    """P(a better) counts seed pairs, the test weighs the difference against the noise: at 3 vs 3
    every pair can favour one side while the test finds nothing, and the sentence says so."""
    result = compare("a", [1.0, 2.0, 30.0], "b", [31.0, 32.0, 33.0], "FID")
    assert result.p_improvement == 1.0 and result.winner is None
    assert (
        "P(a better) = 1.00: every seed pair favours a, which 3 vs 3 seeds cannot make significant "
        "(the smallest two-sided rank-test p at these counts is 0.1)"
    ) in result.sentence({})
    many = compare("a", [1.0, 2.0, 3.0, 4.0, 60.0], "b", [61.0, 62.0, 63.0, 64.0, 65.0], "FID")
    if many.winner is None:
        assert "the t-test weighs the difference against the seeds' spread" in many.sentence({})
    assert "seed pair" not in compare("a", [1.0, 2.0, 3.0], "b", [1.5, 2.5, 3.5], "FID").sentence({})
