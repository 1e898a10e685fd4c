"""The regression gate: baselines keyed by the whole experiment, the decision (significant and at
least the minimum effect), refusals of other experiments and of bad input, the relative speed."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from benchbench.cli import main
from benchbench.errors import UserError
from benchbench.gate import Rule, check, format_table, make_baseline
from benchbench.gate.decide import Sample, judge, minimum_effect

# gan_toy.py's toy settings (lambda 0.1) with a larger step: it learns within 200 steps.
SUITE = """
name = "gate"
families = ["wgan-gp"]
datasets = ["8gaussians"]
seeds = 3
budgets = ["{budget}"]
[settings]
width = 0.25
batch_size = 256
eval_points = 2
eval_samples = 500
final_samples = 1000
[family.wgan-gp]
lr = {lr}
betas = [0.5, 0.9]
gp_lambda = 0.1
"""


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# --- the decision, on numbers ---------------------------------------------------------------


def test_a_significant_change_past_the_minimum_effect_regresses_in_the_metrics_direction():
    base = Sample.of([100.0, 102.0, 98.0])
    worse, better = Sample.of([130.0, 128.0, 131.0]), Sample.of([70.0, 72.0, 69.0])
    assert judge(base, worse, False, 5.0, 0.01).verdict == "regressed"  # FID up: worse
    assert judge(base, better, False, 5.0, 0.01).verdict == "improved"
    assert judge(base, worse, True, 5.0, 0.01).verdict == "improved"  # IS up: better
    assert judge(base, better, True, 5.0, 0.01).verdict == "regressed"
    assert judge(base, worse, False, 5.0, 0.01).worse_by == pytest.approx(29.6667, rel=1e-4)


def test_a_change_within_the_noise_or_below_the_minimum_effect_passes():
    base = Sample.of([100.0, 110.0, 90.0])
    noisy = judge(base, Sample.of([108.0, 118.0, 98.0]), False, 1.0, 0.01)  # 8 worse, sd 10: not significant
    assert noisy.verdict == "ok" and 0.01 < noisy.p_worse < 0.5
    tight = Sample.of([100.0, 100.1, 99.9])
    small = judge(tight, Sample.of([102.0, 102.1, 101.9]), False, 5.0, 0.01)  # significant, but 2 < 5
    assert small.verdict == "ok" and small.p_worse < 1e-4
    assert judge(tight, Sample.of([106.0, 106.1, 105.9]), False, 5.0, 0.01).verdict == "regressed"
    assert judge(tight, Sample.of([98.0, 98.1, 97.9]), False, 5.0, 0.01).verdict == "ok"  # better, but by 2 < 5


def test_zero_spread_is_decided_by_the_exact_difference_and_the_minimum_effect():
    same = Sample.of([10.0, 10.0, 10.0])
    assert judge(same, Sample.of([10.0, 10.0, 10.0]), True, 0.5, 0.01).verdict == "ok"
    dropped = judge(same, Sample.of([9.0, 9.0, 9.0]), True, 0.5, 0.01)
    assert dropped.verdict == "regressed" and "no seed spread" in dropped.method and math.isnan(dropped.p_worse)
    assert judge(same, Sample.of([9.8, 9.8, 9.8]), True, 0.5, 0.01).verdict == "ok"
    # one side varies: the test has the other side's spread to go on
    assert judge(same, Sample.of([9.0, 10.0, 10.0]), True, 0.5, 0.01).verdict == "ok"
    assert judge(same, Sample.of([7.0, 10.0, 10.0]), True, 0.5, 0.01).verdict == "ok"  # 1 worse, not significant


def test_one_seed_is_untoleranced_or_judged_by_a_prediction_interval():
    one = judge(Sample.of([10.0]), Sample.of([8.0, 8.1, 7.9]), True, 0.5, 0.01)
    assert one.verdict == "regressed" and one.method.startswith("untoleranced")
    run_of_one = judge(Sample.of([10.0, 10.2, 9.8]), Sample.of([8.0]), True, 0.5, 0.01)
    assert run_of_one.verdict == "regressed" and run_of_one.method == "prediction interval"
    # t = 2 / (0.2 sqrt(1 + 1/3)) on 2 degrees of freedom: the baseline's, none borrowed
    assert run_of_one.p_worse == pytest.approx(stats.t.sf(2 / (0.2 * math.sqrt(4 / 3)), 2))
    assert judge(Sample.of([10.0, 10.2, 9.8]), Sample.of([9.1]), True, 0.1, 0.01).verdict == "ok"


def test_a_run_of_one_seed_has_the_false_alarm_rate_it_is_judged_at():
    """Earlier, a one-seed run borrowed the baseline's spread and degrees of freedom it
    does not have: 2.5% false alarms at a nominal 1% with 3 baseline seeds."""
    rng = np.random.default_rng(0)
    draws = 20_000
    alarms = sum(
        judge(Sample.of(rng.normal(0, 1, 3)), Sample.of(rng.normal(0, 1, 1)), False, 0.0, 0.01).p_worse < 0.01
        for _ in range(draws)
    )
    low, high = stats.binomtest(int(alarms), draws).proportion_ci(0.99)
    assert low <= 0.01 <= high, alarms / draws


def test_the_minimum_effect_is_relative_with_a_floor_for_bounded_metrics():
    assert minimum_effect(400.0, 0.05, None) == pytest.approx(20.0)
    assert minimum_effect(-400.0, 0.05, None) == pytest.approx(20.0)
    assert minimum_effect(0.02, 0.05, (0.0, 1.0)) == pytest.approx(0.01)  # 1% of the range


# --- baselines keyed by the experiment --------------------------------------------------------


def trials(values, budget="1s", status="completed", speed=1.0, family="f", seeds=None, **extra):
    seeds = seeds or range(len(values))
    return pd.DataFrame(
        [
            {
                "family": family,
                "dataset": "d",
                "budget": budget,
                "status": status,
                "seed": seed,
                "extractor": "x",
                "extractor_weights": "w",
                "device": "cpu: A (2 threads)",
                "versions": "v",
                "final_fid": fid,
                "final_is": 5.0 + 0.01 * seed,
                "relative_speed": speed * (1 + 0.01 * seed),
                "images_per_second": 1000.0 * speed,
                **extra,
            }
            for seed, fid in zip(seeds, values)
        ]
    )


def verdicts(table):
    return dict(zip(table["metric"], table["verdict"]))


def test_quality_and_speed_are_gated_in_their_directions():
    baseline = make_baseline(trials([100.0, 101.0, 102.0]))
    table, passed = check(trials([100.0, 101.0, 102.0]), baseline)
    assert passed and set(verdicts(table).values()) == {"ok"}
    assert "images_per_second" not in set(table["metric"])  # recorded; the relative speed is gated
    table, passed = check(trials([120.0, 121.0, 122.0]), baseline)
    assert not passed and verdicts(table)["final_fid"] == "regressed"
    table, passed = check(trials([80.0, 81.0, 82.0]), baseline)
    assert passed and verdicts(table)["final_fid"] == "improved"
    table, passed = check(trials([100.0, 101.0, 102.0], speed=0.75), baseline)  # 25% slower
    assert not passed and verdicts(table)["relative_speed"] == "regressed"
    table, passed = check(trials([100.0, 101.0, 102.0], speed=0.95), baseline)  # 5%: under the 10% effect
    assert passed
    table, passed = check(trials([100.0, 101.0, 102.0], speed=0.75), baseline, Rule(speed=False))
    assert passed and verdicts(table)["relative_speed"] == "skipped: speed not gated"


def test_budgets_are_separate_entries_never_pooled():
    runs = pd.concat([trials([100.0, 101.0, 102.0], budget="1s"), trials([50.0, 51.0, 52.0], budget="2s")])
    baseline = make_baseline(runs)
    assert sorted((e["budget"], e["metrics"]["final_fid"]["mean"]) for e in baseline["entries"]) == [
        ("1s", 101.0),
        ("2s", 51.0),
    ]
    table, passed = check(runs, baseline)
    assert passed and sorted(set(table["budget"])) == ["1s", "2s"]
    # the 2s entry regressed to the 1s level: pooled, it would have hidden inside the spread
    table, passed = check(pd.concat([trials([100.0, 101.0, 102.0]), trials([100.0, 101.0, 102.0], "2s")]), baseline)
    assert not passed and set(table.loc[table["verdict"] == "regressed", "budget"]) == {"2s"}
    table, passed = check(trials([100.0, 101.0, 102.0]), baseline)  # a budget missing from the run
    assert not passed and "missing" in set(table["verdict"])


def test_a_baseline_needs_completed_seeds_and_two_of_them_unless_marked_untoleranced():
    with pytest.raises(UserError, match="no completed trial"):
        make_baseline(trials([math.nan] * 3, status="failed"))
    with pytest.raises(UserError, match="1 completed seed; a baseline needs at least 2"):
        make_baseline(trials([100.0]))
    baseline = make_baseline(trials([100.0]), allow_one_seed=True)
    assert baseline["entries"][0]["untoleranced"]
    table, _ = check(trials([100.0, 101.0, 102.0]), baseline)
    assert table["verdict"].str.contains("untoleranced").all()


def test_an_entry_that_lost_every_seed_is_a_regression_not_bad_input():
    baseline = make_baseline(trials([100.0, 101.0, 102.0]))
    for status in ("failed", "diverged"):
        table, passed = check(trials([math.nan] * 3, status=status), baseline)
        assert not passed and verdicts(table)["lost seeds"] == "regressed: every seed lost", status
        assert f"3 of 3 (3 {status})" in set(table["run"])
    # completed, but no finite value: lost by the report's rule too
    table, passed = check(trials([math.nan] * 3), baseline)
    assert not passed and "3 of 3 (3 no value)" in set(table["run"])
    with pytest.raises(UserError, match="no trial has finished"):
        check(trials([math.nan] * 3, status="running"), baseline)


def test_lost_seeds_are_tested_not_flagged_from_one_seed():
    baseline = make_baseline(trials([100.0, 101.0, 102.0]))
    one_lost = trials([100.0, 101.0, math.nan])
    table, passed = check(one_lost, baseline)
    row = table[table["metric"] == "lost seeds"].iloc[0]
    assert passed and row["verdict"].startswith("ok") and "1 of 3 (1 no value)" == row["run"]
    assert row["p"] == pytest.approx(stats.fisher_exact([[1, 2], [0, 3]], alternative="greater").pvalue)
    assert "cannot decide" in row["verdict"]  # 3 vs 3 seeds: Fisher's smallest p is 1/20, not under 0.05
    # 10 of 20 lost against none of 20: a test that can decide does
    many = make_baseline(trials([100.0 + 0.1 * i for i in range(20)]))
    lossy = trials([100.0 + 0.1 * i if i % 2 else math.nan for i in range(20)], status="completed")
    table, passed = check(lossy, many)
    assert not passed and verdicts(table)["lost seeds"] == "regressed"


def test_older_baselines_are_read_and_a_pooled_one_is_refused():
    entry = {"family": "f", "dataset": "d", "budget": ["1s"], "seeds": 3, "completed": 3, "extractor": "x",
             "extractor_weights": "w", "hardware": "cpu: A (2 threads)",
             "metrics": {"final_fid": {"mean": 101.0, "std": 1.0, "n": 3},
                         "images_per_second": {"mean": 1000.0, "std": 5.0, "n": 3}}}  # fmt: skip
    table, passed = check(trials([100.0, 101.0, 102.0]), {"gate_version": 1, "entries": [entry]})
    assert passed and verdicts(table)["images_per_second"] == "skipped: no speed reference in baseline"
    pooled = {"gate_version": 1, "entries": [entry | {"budget": ["1s", "2s"]}]}
    with pytest.raises(UserError, match="pools f on d over budgets 1s, 2s"):
        check(trials([100.0, 101.0, 102.0]), pooled)


def test_an_empty_table_formats_without_error():
    assert format_table(pd.DataFrame(columns=["family", "verdict"])) == "(no rows)"


def test_swept_variants_are_gated_apart():
    def runs(label_accuracy):
        return pd.DataFrame(
            [
                {
                    "family": "cyclegan",
                    "variant": variant,
                    "dataset": "d",
                    "budget": "1s",
                    "seed": i,
                    "status": "completed",
                    "extractor": "x",
                    "device": "cpu",
                    "final_label_accuracy": value + i / 100,
                }
                for variant, value in (("cycle_lambda=10.0", label_accuracy), ("cycle_lambda=0.0", 0.1))
                for i in range(3)
            ]
        )

    baseline = make_baseline(runs(0.7))
    assert sorted(e["family"] for e in baseline["entries"]) == [
        "cyclegan cycle_lambda=0.0",
        "cyclegan cycle_lambda=10.0",
    ]
    table, passed = check(runs(0.3), baseline)  # the cycle variant lost content; the other did not change
    found = {row.family: row.verdict for row in table.itertuples()}
    assert not passed and found == {"cyclegan cycle_lambda=10.0": "regressed", "cyclegan cycle_lambda=0.0": "ok"}


def test_a_baseline_that_is_not_an_object_is_refused():
    for baseline in ([1, 2], "text", None, {"gate_version": 3, "entries": []}):
        with pytest.raises(UserError, match="not a benchbench baseline"):
            check(pd.DataFrame({"family": ["f"], "dataset": ["d"]}), baseline)


def test_sigmas_is_read_as_a_significance_with_a_warning(tmp_path):
    result = invoke("check", tmp_path, "--baseline", tmp_path / "b.json", "--sigmas", "3")
    assert "--sigmas is deprecated: read as --alpha 0.00135" in result.output


# --- end to end, on small suites ---------------------------------------------------------------


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    root = tmp_path_factory.mktemp("gate")
    # "slow": the same budget, a learning rate a thousand times smaller (another configuration)
    for name, budget, lr in (
        ("base", "200steps", 1e-3),
        ("again", "200steps", 1e-3),
        ("cut", "20steps", 1e-3),
        ("slow", "200steps", 1e-6),
    ):
        suite = root / f"{name}.toml"
        suite.write_text(SUITE.format(budget=budget, lr=lr))
        assert invoke("run", suite, "--out", root / name, "--device", "cpu").exit_code == 0
    result = invoke("baseline", root / "base", "-o", root / "baseline.json")
    assert result.exit_code == 0, result.output
    return root


def quality_only(gate, tmp_path):
    """The baseline without throughput: trials of a second are too short to time reliably;
    the speed rule is tested on numbers above."""
    baseline = json.loads((gate / "baseline.json").read_text())
    for entry in baseline["entries"]:
        entry["metrics"].pop("relative_speed")
        entry["metrics"].pop("images_per_second")
    path = tmp_path / "quality.json"
    path.write_text(json.dumps(baseline))
    return path


@pytest.mark.slow
def test_baseline_records_every_seed_and_provenance(gate):
    baseline = json.loads((gate / "baseline.json").read_text())
    (entry,) = baseline["entries"]
    assert baseline["gate_version"] == 2 and entry["seeds"] == 3 and entry["completed"] == 3
    assert entry["budget"] == "200steps" and entry["extractor"] == "none" and not entry["untoleranced"]
    swd = entry["metrics"]["final_swd"]
    assert swd["n"] == 3 and len(swd["values"]) == 3 and swd["std"] > 0
    assert swd["mean"] == pytest.approx(sum(swd["values"]) / 3)
    assert entry["metrics"]["relative_speed"]["n"] == 3 and entry["hardware"] and entry["versions"]


@pytest.mark.slow
def test_an_unchanged_rerun_passes(gate, tmp_path):
    result = invoke("check", gate / "again", "--baseline", quality_only(gate, tmp_path))
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "final_swd" in result.output


@pytest.mark.slow
def test_a_run_with_another_budget_is_refused_naming_it(gate, tmp_path):
    result = invoke("check", gate / "cut", "--baseline", quality_only(gate, tmp_path))
    assert result.exit_code == 2, result.output
    assert "budget 20steps vs baseline 200steps" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_a_run_with_other_extractor_weights_or_step_settings_is_refused_naming_them(gate, tmp_path):
    for field, value, label in (
        ("extractor_weights", "sha256:0000", "extractor weights"),
        ("step_settings", '{"tf32": true}', "step settings"),
    ):
        baseline = json.loads(quality_only(gate, tmp_path).read_text())
        baseline["entries"][0][field] = value
        path = tmp_path / f"{field}.json"
        path.write_text(json.dumps(baseline))
        result = invoke("check", gate / "again", "--baseline", path)
        assert result.exit_code == 2 and f"{label} " in result.output and value in result.output, result.output


@pytest.mark.slow
def test_a_changed_configuration_is_listed_and_gated(gate, tmp_path):
    """Only the learning rate differs: the check names it and fails on the metrics it worsened."""
    result = invoke("check", gate / "slow", "--baseline", quality_only(gate, tmp_path))
    assert result.exit_code == 1, result.output
    assert "configuration changed since the baseline (1 settings" in result.output
    assert "family_config.lr" in result.output and "changed: 1e-06" in result.output
    assert "FAIL" in result.output and "regressed" in result.output
    same = invoke("check", gate / "again", "--baseline", quality_only(gate, tmp_path)).output
    assert "changed: " not in same and "configuration changed" not in same


@pytest.mark.slow
def test_the_rule_is_an_option(gate, tmp_path):
    """The slow run fails under the default rule; a minimum effect too large for it lets it pass."""
    assert invoke("check", gate / "slow", "--baseline", quality_only(gate, tmp_path)).exit_code == 1
    loose = invoke("check", gate / "slow", "--baseline", quality_only(gate, tmp_path), "--min-change", "1000")
    assert loose.exit_code == 0, loose.output


@pytest.mark.slow
def test_require_same_config_refuses_a_changed_configuration(gate, tmp_path):
    result = invoke("check", gate / "slow", "--baseline", quality_only(gate, tmp_path), "--require-same-config")
    assert result.exit_code == 2 and "family_config.lr: 0.001 -> 1e-06" in result.output, result.output
    same = invoke("check", gate / "again", "--baseline", quality_only(gate, tmp_path), "--require-same-config")
    assert same.exit_code == 0, same.output


@pytest.mark.slow
def test_speed_is_skipped_on_other_hardware_and_gated_relative_to_the_reference(gate, tmp_path):
    baseline = json.loads((gate / "baseline.json").read_text())
    for entry in baseline["entries"]:
        entry["hardware"] = "cuda: some GPU (8 threads)"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(baseline))
    result = invoke("check", gate / "again", "--baseline", path)
    assert "skipped: other hardware" in result.output and "relative_speed" in result.output
    # Ten times faster, the seeds' spread kept: trials of a second are timed with a spread of
    # several percent, and scaling the values would scale the spread (and the test's doubt) too.
    faster = json.loads((gate / "baseline.json").read_text())
    for entry in faster["entries"]:
        stats = entry["metrics"]["relative_speed"]
        shift = 9 * stats["mean"]
        stats["values"] = [v + shift for v in stats["values"]]
        stats["mean"] += shift
    path.write_text(json.dumps(faster))
    slower = invoke("check", gate / "again", "--baseline", path)
    assert slower.exit_code == 1 and "relative_speed" in slower.output, slower.output  # a tenth of the speed
    quality = invoke("check", gate / "again", "--baseline", path, "--no-speed")
    assert quality.exit_code == 0 and "skipped: speed not gated" in quality.output


@pytest.mark.slow
def test_bad_baselines_and_runs_exit_2_in_one_line(gate, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "other.json").write_text(json.dumps({"something": 1}))
    failed = json.loads((gate / "baseline.json").read_text())
    failed["entries"][0]["completed"] = 0
    (tmp_path / "failed.json").write_text(json.dumps(failed))
    for path, fragment in (
        (tmp_path / "bad.json", "not valid JSON"),
        (tmp_path / "other.json", "not a benchbench"),
        (tmp_path / "missing.json", "does not exist"),
        (tmp_path / "failed.json", "has no completed trial"),
    ):
        result = invoke("check", gate / "again", "--baseline", path)
        assert result.exit_code == 2 and fragment in result.output and "Traceback" not in result.output, result.output
    neither = invoke("check", gate / "again")
    assert neither.exit_code == 2 and "give one of --baseline FILE and --history DIR" in neither.output


@pytest.mark.slow
def test_a_run_of_another_suite_is_a_configuration_error_not_a_regression(gate, tmp_path):
    baseline = json.loads((gate / "baseline.json").read_text())
    for entry in baseline["entries"]:
        entry["dataset"] = "25gaussians"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(baseline))
    result = invoke("check", gate / "again", "--baseline", path)
    assert result.exit_code == 2 and "share no entry" in result.output and "25gaussians" in result.output


def test_the_test_is_welchs_as_scipy_computes_it():
    from scipy import stats

    base, run = [100.0, 103.0, 98.0, 101.0], [104.0, 109.0, 107.0]
    expected = stats.ttest_ind(run, base, equal_var=False, alternative="greater").pvalue
    assert judge(Sample.of(base), Sample.of(run), False, 0.0, 0.01).p_worse == pytest.approx(expected, rel=1e-9)
    expected = stats.ttest_ind(run, base, equal_var=False, alternative="less").pvalue
    assert judge(Sample.of(base), Sample.of(run), True, 0.0, 0.01).p_worse == pytest.approx(expected, rel=1e-9)


def test_every_injected_bug_of_the_power_study_still_applies_to_the_code():
    """ci/gate-power/cases.toml patches text that must occur exactly once: after a refactoring,
    a patch that no longer applies is found here, not an hour into the power study."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for case in tomllib.loads((root / "ci" / "gate-power" / "cases.toml").read_text())["case"]:
        for patch in case.get("patches", []):
            found = (root / patch["file"]).read_text().count(patch["old"])
            assert found == 1, f"{case['name']}: {patch['file']} holds its text {found} times"
        moved = case.get("move_function")
        if moved:
            assert f"\ndef {moved['function']}(" in (root / moved["file"]).read_text(), case["name"]


def test_the_power_study_reseeds_harmless_runs_and_repeats_bugs_at_seeds_of_their_own(tmp_path):
    import importlib.util
    import tomllib
    from pathlib import Path

    from benchbench.suite import load

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("gate_power", root / "ci" / "gate-power" / "power.py")
    power = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(power)
    shipped = tomllib.loads(power.CASES.read_text())["case"]
    cases = power.expanded(shipped, reseeds=20, repeats=3)
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)) == len(shipped) + 20 + 2 * sum(c["kind"] == "bug" for c in shipped)
    reseeds = [c["seeds"] for c in cases if c["name"].startswith("reseed-")]
    drawn_seeds = [s for seeds in reseeds for s in seeds]
    assert len(drawn_seeds) == len(set(drawn_seeds)) == 60 and not {0, 1, 2} & set(drawn_seeds)  # never the baseline's
    frozen = [c["seeds"] for c in cases if c["name"].startswith("frozen-generator@")]
    assert frozen == [[100, 101, 102], [200, 201, 202]]
    # the cheap entries' own seeds (dataset_seeds) are reseeded too, each run a set of its own
    drawn_on = {}
    for case in cases[-2:]:
        written = power.suite_for(case, "regression", tmp_path)
        drawn_on[case["name"]] = load(written).seeds_for("8gaussians")
    assert [len(s) for s in drawn_on.values()] == [10, 10] and not set.intersection(*map(set, drawn_on.values()))
    assert not set(range(10)) & {s for seeds in drawn_on.values() for s in seeds}
    results = {f"reseed-{k}": {"exit": 1 if k == 1 else 0} for k in range(1, 21)}
    results |= {"frozen-generator": {"exit": 1}, "frozen-generator@1": {"exit": 1}, "frozen-generator@2": {"exit": 0}}
    lines = power.rates(cases, results)
    assert lines[0] == "false alarms: 1 of 20 reseeded harmless runs (5%; 95% CI 0% to 25%)"
    assert "frozen-generator: caught in 2 of 3 seed sets" in lines
    # runs that recorded their verdict at each check-wide alpha give both rates from one set of runs
    for name, result in results.items():
        result["fails_at"] = {"0.01": name == "frozen-generator", "0.05": result["exit"] == 1}
    lines = power.rates(cases, results)
    assert "  at a check-wide alpha of 0.01: 0 of 20 (0%; 95% CI 0% to 17%)" in lines
    assert "  at a check-wide alpha of 0.05: 1 of 20 (5%; 95% CI 0% to 25%)" in lines
    assert "frozen-generator: caught in 2 of 3 seed sets (1 at 0.01, 2 at 0.05)" in lines


# --- one false-alarm budget per check ---------------------------------------------------------

HIGHER_IS_BETTER = ("final_is", "final_precision", "final_recall", "final_density", "final_coverage")


def drawn(rng, families, means, seeds=3, sd=1.0):
    """Trials of several entries whose every gated column is drawn independently around `means`."""
    rows = []
    for family in families:
        for seed in range(seeds):
            row = {"family": family, "dataset": "d", "budget": "1s", "status": "completed", "seed": seed,
                   "extractor": "x", "extractor_weights": "w", "device": "cpu: A (2 threads)", "versions": "v"}  # fmt: skip
            row |= {column: mean + rng.normal(0, sd * abs(mean) * 0.05) for column, mean in means.items()}
            rows.append(row)
    return pd.DataFrame(rows)


MEANS = {"final_fid": 300.0, "final_kid": 200.0, "final_is": 4.0, "final_precision": 0.7, "final_recall": 0.3}


def test_the_false_alarm_rate_is_budgeted_over_the_whole_check():
    """25 tests per check (5 entries x 5 metrics), every run drawn like its baseline, minimum
    effect 0: each test alone at 1% would raise a false alarm in about a fifth of the checks."""
    rng = np.random.default_rng(7)
    families = [f"f{i}" for i in range(5)]
    checks, alarms = 300, 0
    rule = Rule(alpha=0.01, min_change=0.0, speed=False)
    for _ in range(checks):
        baseline = make_baseline(drawn(rng, families, MEANS))
        table, passed = check(drawn(rng, families, MEANS), baseline, rule)
        alarms += not passed
        assert (table["p_holm"].dropna() >= table["p"].dropna()).all()
    assert alarms / checks < 0.04, alarms


def test_holm_keeps_a_clear_regression_and_passes_a_marginal_one_among_many():
    rng = np.random.default_rng(3)
    families = [f"f{i}" for i in range(5)]
    baseline = make_baseline(drawn(rng, families, MEANS, sd=0.1))
    worse = drawn(rng, families, MEANS, sd=0.1)
    worse.loc[worse["family"] == "f2", "final_fid"] *= 1.3  # 30% worse FID in one entry
    table, passed = check(worse, baseline)
    fid = table[(table["family"] == "f2") & (table["metric"] == "final_fid")].iloc[0]
    assert not passed and fid["verdict"] == "regressed" and fid["p_holm"] < 0.01
    assert "p (Holm)" in format_table(table)


@pytest.mark.parametrize("column", HIGHER_IS_BETTER)
def test_higher_is_better_metrics_regress_when_they_fall(column):
    rng = np.random.default_rng(5)
    baseline = make_baseline(drawn(rng, ["f"], MEANS | {column: 0.5}, sd=0.1))
    for factor, expected in ((0.7, "regressed"), (1.3, "improved")):
        run = drawn(rng, ["f"], MEANS | {column: 0.5 * factor}, sd=0.1)
        table, passed = check(run, baseline)
        assert verdicts(table)[column] == expected and passed == (expected == "improved"), table
