import json

import pytest
from click.testing import CliRunner

from benchbench.cli import main

SUITE = """
name = "gate"
families = ["wgan-gp", "began"]
datasets = ["8gaussians"]
seeds = 3
budgets = ["{budget}"]
[settings]
width = 0.125
eval_points = 2
eval_samples = 500
final_samples = 1000
"""


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    root = tmp_path_factory.mktemp("gate")
    for name, budget in (("base", "150steps"), ("again", "150steps"), ("cut", "15steps")):
        suite = root / f"{name}.toml"
        suite.write_text(SUITE.format(budget=budget))
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


def test_an_unchanged_rerun_passes(gate):
    result = invoke("check", gate / "again", "--baseline", gate / "baseline.json")
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "final_swd" in result.output


def test_a_run_with_a_tenth_of_the_budget_fails(gate):
    result = invoke("check", gate / "cut", "--baseline", gate / "baseline.json")
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output and "regressed" in result.output


def test_speed_is_skipped_on_other_hardware(gate, tmp_path):
    baseline = json.loads((gate / "baseline.json").read_text())
    for entry in baseline["entries"]:
        entry["hardware"] = "cuda: some GPU (8 threads)"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(baseline))
    result = invoke("check", gate / "again", "--baseline", path)
    assert result.exit_code == 0 and "skipped: other hardware" in result.output


def test_bad_baselines_exit_2(gate, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "other.json").write_text(json.dumps({"something": 1}))
    for path, fragment in ((tmp_path / "bad.json", "not valid JSON"), (tmp_path / "other.json", "not a benchbench"),
                           (tmp_path / "missing.json", "does not exist")):
        result = invoke("check", gate / "again", "--baseline", path)
        assert result.exit_code == 2 and fragment in result.output
