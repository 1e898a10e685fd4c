"""A run killed with SIGKILL mid-training resumes from its last checkpoint to the same result."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchbench.results import load_tensors, read_json

pytestmark = pytest.mark.slow  # trains, kills and trains again in subprocesses

SUITE = """
name = "killed"
families = ["wgan-gp"]
datasets = ["8gaussians"]
seeds = [7]
budgets = ["600steps"]
[settings]
width = 0.125
eval_points = 8
eval_samples = 300
final_samples = 1000
"""


ROOT = Path(__file__).resolve().parents[1]


def start(suite, out):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "benchbench", "run", str(suite), "--out", str(out), "--device", "cpu"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )


def test_sigkill_then_rerun_equals_an_uninterrupted_run(tmp_path):
    suite = tmp_path / "suite.toml"
    suite.write_text(SUITE)
    process = start(suite, tmp_path / "killed")
    deadline, steps = time.time() + 120, 0
    while time.time() < deadline and process.poll() is None:
        checkpoints = list((tmp_path / "killed").glob("*/checkpoint.pt"))
        if checkpoints:
            steps = load_tensors(checkpoints[0])["state"]["counters"]["steps"]
            if steps >= 30:
                os.killpg(process.pid, signal.SIGKILL)
                break
        time.sleep(0.05)
    process.wait(timeout=30)
    if not 30 <= steps < 600:
        pytest.fail(f"could not kill the run mid-training (checkpoint at step {steps})")
    trial_dir = next((tmp_path / "killed").glob("wgan-gp__*"))
    assert not (trial_dir / "summary.json").exists()

    assert start(suite, tmp_path / "killed").wait(timeout=300) == 0
    assert start(suite, tmp_path / "whole").wait(timeout=300) == 0
    resumed = read_json(trial_dir / "summary.json")
    whole = read_json(next((tmp_path / "whole").glob("wgan-gp__*")) / "summary.json")
    assert resumed["counters"]["steps"] == whole["counters"]["steps"] == 600
    assert resumed["final"]["metrics"] == whole["final"]["metrics"]
