import json

import pytest
from click.testing import CliRunner

from benchbench.cli import main

pytestmark = pytest.mark.slow  # runs three small suites

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


def test_baseline_records_seed_spread_and_provenance(gate):
    baseline = json.loads((gate / "baseline.json").read_text())
    entry = baseline["entries"][0]
    assert entry["seeds"] == 3 and entry["completed"] == 3
    assert entry["metrics"]["final_swd"]["n"] == 3 and entry["metrics"]["final_swd"]["std"] > 0
    assert "images_per_second" in entry["metrics"] and entry["hardware"] and entry["versions"]


def quality_only(gate, tmp_path):
    """The baseline without throughput: trials of a second are too short to time reliably;
    the speed rule is tested on its own below."""
    baseline = json.loads((gate / "baseline.json").read_text())
    for entry in baseline["entries"]:
        entry["metrics"].pop("images_per_second")
    path = tmp_path / "quality.json"
    path.write_text(json.dumps(baseline))
    return path


def test_an_unchanged_rerun_passes(gate, tmp_path):
    result = invoke("check", gate / "again", "--baseline", quality_only(gate, tmp_path))
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "final_swd" in result.output


def test_a_run_with_another_budget_is_refused_naming_it(gate, tmp_path):
    result = invoke("check", gate / "cut", "--baseline", quality_only(gate, tmp_path))
    assert result.exit_code == 2, result.output
    assert "budget 20steps vs baseline 200steps" in result.output and "Traceback" not in result.output


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


def test_a_changed_configuration_is_listed_and_gated(gate, tmp_path):
    """Only the learning rate differs: the check names it and fails on the metrics it worsened."""
    result = invoke("check", gate / "slow", "--baseline", quality_only(gate, tmp_path))
    assert result.exit_code == 1, result.output
    assert "configuration changed since the baseline (1 settings" in result.output
    assert "family_config.lr" in result.output and "changed: 1e-06" in result.output
    assert "FAIL" in result.output and "regressed" in result.output
    assert invoke("check", gate / "again", "--baseline", quality_only(gate, tmp_path)).output.count("changed") == 0


def test_require_same_config_refuses_a_changed_configuration(gate, tmp_path):
    result = invoke("check", gate / "slow", "--baseline", quality_only(gate, tmp_path), "--require-same-config")
    assert result.exit_code == 2 and "family_config.lr: 0.001 -> 1e-06" in result.output, result.output
    same = invoke("check", gate / "again", "--baseline", quality_only(gate, tmp_path), "--require-same-config")
    assert same.exit_code == 0, same.output


def test_speed_is_skipped_on_other_hardware(gate, tmp_path):
    baseline = json.loads((gate / "baseline.json").read_text())
    for entry in baseline["entries"]:
        entry["hardware"] = "cuda: some GPU (8 threads)"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(baseline))
    result = invoke("check", gate / "again", "--baseline", path, "--speed")
    assert "skipped: other hardware" in result.output and "images_per_second" in result.output


def test_no_speed_gates_quality_alone(gate):
    """A run twice as slow passes with --no-speed (a shared runner) and fails with --speed."""
    baseline = json.loads((gate / "baseline.json").read_text())
    for entry in baseline["entries"]:
        entry["metrics"]["images_per_second"]["mean"] *= 2
    path = gate / "faster-baseline.json"
    path.write_text(json.dumps(baseline))
    assert "images_per_second" in json.dumps(baseline)
    assert invoke("check", gate / "again", "--baseline", path, "--speed").exit_code == 1
    quality = invoke("check", gate / "again", "--baseline", path, "--no-speed")
    assert "skipped: speed not gated" in quality.output and "regressed" not in quality.output
    by_default = invoke("check", gate / "again", "--baseline", path)  # speed only when asked
    assert by_default.exit_code == 0 and "skipped: speed not gated" in by_default.output


def test_speed_and_quality_directions():
    import pandas as pd

    from benchbench.gate import check, make_baseline

    def runs(fid, speed):
        return pd.DataFrame(
            [
                {
                    "family": "f",
                    "dataset": "d",
                    "budget": "1s",
                    "status": "completed",
                    "seed": i,
                    "extractor": "x",
                    "extractor_weights": "w",
                    "device": "cpu: A (2 threads)",
                    "versions": "v",
                    "final_fid": fid + i,
                    "final_is": 5.0 + i,
                    "images_per_second": speed + 10 * i,
                }
                for i in range(3)
            ]
        )

    baseline = make_baseline(runs(100.0, 1000.0))
    verdicts = lambda frame: dict(zip(frame["metric"], frame["verdict"]))  # noqa: E731
    table, passed = check(runs(100.0, 1000.0), baseline)
    assert passed and set(verdicts(table).values()) == {"ok"}
    table, passed = check(runs(120.0, 1000.0), baseline)  # FID up by 20, tolerance max(3 x 1, 2%)
    assert not passed and verdicts(table)["final_fid"] == "regressed"
    table, passed = check(runs(80.0, 1000.0), baseline)
    assert passed and verdicts(table)["final_fid"] == "improved"
    table, passed = check(runs(100.0, 700.0), baseline)  # 30% slower: past the 20% floor
    assert not passed and verdicts(table)["images_per_second"] == "regressed"
    table, passed = check(runs(100.0, 900.0), baseline)  # 10% slower: within the floor
    assert passed


def test_swept_variants_are_gated_apart():
    import pandas as pd

    from benchbench.gate import check, make_baseline

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
    verdicts = {row.family: row.verdict for row in table.itertuples()}
    assert not passed and verdicts == {"cyclegan cycle_lambda=10.0": "regressed", "cyclegan cycle_lambda=0.0": "ok"}


def test_bad_baselines_exit_2(gate, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "other.json").write_text(json.dumps({"something": 1}))
    for path, fragment in (
        (tmp_path / "bad.json", "not valid JSON"),
        (tmp_path / "other.json", "not a benchbench"),
        (tmp_path / "missing.json", "does not exist"),
    ):
        result = invoke("check", gate / "again", "--baseline", path)
        assert result.exit_code == 2 and fragment in result.output


def test_a_run_of_another_suite_is_a_configuration_error_not_a_regression(gate, tmp_path):
    baseline = json.loads((gate / "baseline.json").read_text())
    for entry in baseline["entries"]:
        entry["dataset"] = "25gaussians"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(baseline))
    result = invoke("check", gate / "again", "--baseline", path)
    assert result.exit_code == 2 and "share no entry" in result.output and "25gaussians" in result.output


def test_bounded_metrics_get_tolerances_that_can_be_exceeded():
    """With three noisy seeds 3 standard deviations can exceed a [0, 1] metric's whole range; the
    tolerance stays under half the room to the worst value, so a fall to 0 fails."""
    from benchbench.gate import Rule, tolerance

    wide = {"mean": 0.6, "std": 0.48, "n": 3}
    assert tolerance("final_precision", wide, Rule()) == pytest.approx(0.3)
    assert tolerance("final_fid", {"mean": 300.0, "std": 10.0, "n": 3}, Rule()) == pytest.approx(30.0)
    assert tolerance("final_fid", {"mean": 300.0, "std": 10.0, "n": 3}, Rule(sigmas=1, min_change=0.2)) == 60.0
    # A baseline whose seeds already touch the worst value (measured: BEGAN's high-quality share
    # 0.0013 +- 0.0023 on 8 gaussians) keeps its spread: another set of seeds scoring 0 passes.
    near_zero = {"mean": 0.0013, "std": 0.0023, "n": 3}
    assert tolerance("final_high_quality_share", near_zero, Rule()) == pytest.approx(3 * 0.0023)


def test_the_rule_is_an_option(gate, tmp_path):
    """The slow run fails under the default rule (above); a rule loose enough lets it pass on the
    unbounded metrics, while a bounded one stays capped at half its room to the worst value."""
    from benchbench.metrics.catalog import METRICS

    baseline = json.loads(quality_only(gate, tmp_path).read_text())
    for entry in baseline["entries"]:
        bounded = [m for m in entry["metrics"] if METRICS.get(m.removeprefix("final_")).bounds]
        for metric in bounded:
            entry["metrics"].pop(metric)
    assert bounded and entry["metrics"], "the suite gates bounded and unbounded metrics"
    unbounded = tmp_path / "unbounded.json"
    unbounded.write_text(json.dumps(baseline))
    strict = invoke("check", gate / "slow", "--baseline", unbounded)
    loose = invoke("check", gate / "slow", "--baseline", unbounded, "--sigmas", "1000")
    assert strict.exit_code == 1, strict.output
    assert loose.exit_code == 0, loose.output


def test_a_baseline_that_is_not_an_object_is_refused():
    import pandas as pd

    from benchbench.errors import UserError
    from benchbench.gate import check

    for baseline in ([1, 2], "text", None):
        with pytest.raises(UserError, match="not a benchbench baseline"):
            check(pd.DataFrame({"family": ["f"], "dataset": ["d"]}), baseline)
