"""Properties that must hold for any input (hypothesis): budgets, config hashes, statistics."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchbench.errors import UserError
from benchbench.report.stats import compare, holm, mean_ci
from benchbench.training import Budget, Settings, Trial
from benchbench.training.budget import UNITS, Counters

KINDS = {"steps": "steps", "s": "seconds", "kimg": "kimg", "flops": "flops"}
values = st.floats(min_value=1e-3, max_value=1e12, allow_nan=False)


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from(["steps", "s", "kimg"]))
def test_a_budget_parses_back_from_its_name(number, unit):
    budget = Budget.parse(f"{number}{unit}")
    assert budget.kind == KINDS[unit] and budget.value == number
    assert Budget.parse(str(budget)) == budget


@given(st.floats(min_value=1e15, max_value=1e300))
def test_an_absurd_budget_has_a_short_name(value):
    assert len(str(Budget.parse(f"{value}kimg"))) < 20


@given(st.text(max_size=12))
def test_a_budget_that_does_not_parse_is_a_user_error(text):
    try:
        budget = Budget.parse(text)
    except UserError:
        return
    assert budget.value > 0 and budget.kind in KINDS.values()


# The budget grammar itself: a number (digits, a point, an exponent of any size) and a unit in
# any case, with spaces; random text almost never parses, so it cannot find what this finds.
grammar_numbers = st.from_regex(r"\A[0-9]{0,4}\.?[0-9]{1,4}(e[+-]?[0-9]{1,4})?\Z")
grammar_units = st.sampled_from(sorted(UNITS)).flatmap(
    lambda unit: st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in unit)).map("".join)
)


@settings(max_examples=300)
@given(grammar_numbers, grammar_units, st.sampled_from(["", " "]))
def test_every_budget_of_the_grammar_parses_or_is_one_user_error(number, unit, space):
    try:
        budget = Budget.parse(f"{number}{space}{unit}")
    except UserError as error:
        assert "\n" not in str(error)
        return
    assert math.isfinite(budget.value) and budget.value > 0 and budget.kind in KINDS.values()
    assert len(str(budget)) < 25 and Budget.parse(str(budget)).kind == budget.kind


@pytest.mark.parametrize("text", ["1e999steps", "1e999s", "1e999kimg", "1e999flops", "1e307min"])
def test_an_overflowing_budget_is_a_user_error(text):
    with pytest.raises(UserError, match="finite"):
        Budget.parse(text)


@given(
    st.sampled_from(["steps", "seconds", "kimg", "flops"]),
    values,
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=20),
)
def test_progress_is_monotone_and_spent_means_all_of_it(kind, limit, increments):
    budget, counters, previous = Budget(kind, limit), Counters(), 0.0
    for amount in increments:
        counters.steps += int(amount)
        counters.images += int(amount * 10)
        counters.train_seconds += amount
        counters.flops += amount * 1e6
        progress = budget.progress(counters)
        assert previous <= progress <= 1.0
        assert budget.spent(counters) == (budget.used(counters) >= limit)
        assert not budget.spent(counters) or progress == 1.0
        previous = progress


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=1000))
def test_seeds_share_a_config_hash_and_settings_do_not(seed_a, seed_b):
    settings_ = Settings(width=0.25)
    a = Trial("wgan-gp", "mnist", seed_a, Budget.parse("10steps"), settings_)
    b = Trial("wgan-gp", "mnist", seed_b, Budget.parse("10steps"), settings_)
    assert a.config_hash() == b.config_hash()
    assert (a.key == b.key) == (seed_a == seed_b)
    c = Trial("wgan-gp", "mnist", seed_a, Budget.parse("10steps"), Settings(width=0.5))
    assert c.config_hash() != a.config_hash()


samples = st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=2, max_size=12)


@settings(max_examples=40, deadline=None)
@given(samples)
def test_an_interval_contains_the_mean(data):
    mean, low, high = mean_ci(data)
    assert mean == pytest.approx(sum(data) / len(data), rel=1e-9, abs=1e-9)
    assert low - 1e-9 * (1 + abs(mean)) <= mean <= high + 1e-9 * (1 + abs(mean))


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=30))
def test_holm_adjusted_p_values_are_at_least_raw_and_keep_their_order(p_values):
    adjusted = holm(p_values)
    assert all(a >= p - 1e-15 and a <= 1.0 for a, p in zip(adjusted, p_values))
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    assert all(adjusted[i] <= adjusted[j] for i, j in zip(order, order[1:]))


@settings(max_examples=40, deadline=None)
@given(samples, samples)
def test_a_comparison_is_symmetric(a, b):
    ab, ba = compare("a", a, "b", b, "FID"), compare("b", b, "a", a, "FID")
    assert ab.winner == ba.winner
    if not math.isnan(ab.p_value):
        assert ab.p_value == pytest.approx(ba.p_value)
        assert ab.p_improvement + ba.p_improvement == pytest.approx(1.0)
