"""The gate catches the catastrophic bugs: each injected into a copy of the code, as
ci/gate-power/ does for docs/gate.md's table, and run through `benchbench check` against a
baseline of the unchanged code, on a small 2-D suite. A harmless change that shifts the random
stream passes."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.slow  # five small suite runs in their own processes

SUITE = """
name = "gate-power"
families = ["wgan-gp"]
datasets = ["8gaussians"]
seeds = 3
budgets = ["200steps"]
jobs = 2
[settings]
width = 0.25
batch_size = 256
eval_points = 2
eval_samples = 500
final_samples = 1000
[family.wgan-gp]
lr = 1e-3
gp_lambda = 0.1
"""


def harness():
    spec = importlib.util.spec_from_file_location("gate_power", ROOT / "ci" / "gate-power" / "power.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    power = harness()
    root = tmp_path_factory.mktemp("power")
    suite = root / "suite.toml"
    suite.write_text(SUITE)
    power.run_suite(str(suite), root / "base", None)
    made = power.benchbench("baseline", str(root / "base"), "-o", str(root / "baseline.json"))
    assert made.returncode == 0, made.stderr
    cases = {case["name"]: case for case in tomllib.loads(power.CASES.read_text())["case"]}

    def through_gate(name: str) -> str:
        power.copy_source(cases[name], root / name / "code")
        power.run_suite(str(suite), root / name / "run", root / name / "code")
        # quality alone: trials of a second are too short to time; the speed rule is tested apart
        done = power.benchbench(
            "check", str(root / name / "run"), "--baseline", str(root / "baseline.json"), "--no-speed"
        )
        return {0: "passed", 1: "failed"}.get(done.returncode, f"exit {done.returncode}: {done.stderr}") + done.stdout

    through_gate.power, through_gate.root = power, root  # type: ignore[attr-defined]
    return through_gate


@pytest.mark.parametrize("bug", ["frozen-generator", "critic-targets-swapped", "gradient-penalty-weight-0"])
def test_a_catastrophic_bug_fails_the_gate(gate, bug):
    outcome = gate(bug)
    assert outcome.startswith("failed") and "regressed" in outcome, outcome
    # what the study records of each run: the verdict at both check-wide rates, and its closest call
    recorded = gate.power.at_rates(gate.root / bug / "run", gate.root / "baseline.json")
    assert recorded["fails_at"]["0.05"] is True and set(recorded["fails_at"]) == {"0.01", "0.05"}, recorded
    assert recorded["closest"]["p"] <= recorded["closest"]["p_holm"] and " on " in recorded["closest"]["entry"]


def test_a_harmless_change_of_the_random_stream_passes(gate):
    outcome = gate("random-stream-shifted")
    assert outcome.startswith("passed"), outcome
