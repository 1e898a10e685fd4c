"""The Ray executor: a local Ray instance with 2 CPUs runs a small suite; same seeds, same results
as the local executor (both with one thread per trial)."""

import importlib.util
import json

import pytest
from click.testing import CliRunner

from benchbench.cli import main

pytestmark = pytest.mark.slow  # starts a Ray instance

needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs the [ray] extra")

SUITE = """
name = "ray"
families = ["wgan-gp", "began"]
datasets = ["8gaussians"]
seeds = [0]
budgets = ["30steps"]
jobs = 2
[settings]
width = 0.125
eval_points = 2
eval_samples = 300
final_samples = 600
"""


@needs_ray
def test_ray_and_local_executors_agree(tmp_path, monkeypatch):
    import ray

    suite = tmp_path / "suite.toml"
    suite.write_text(SUITE)
    runner = CliRunner()
    local = runner.invoke(main, ["run", str(suite), "--out", str(tmp_path / "local"), "--device", "cpu"])
    assert local.exit_code == 0, local.output
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        remote = runner.invoke(
            main, ["run", str(suite), "--out", str(tmp_path / "ray"), "--device", "cpu", "--executor", "ray"]
        )
    finally:
        ray.shutdown()
    assert remote.exit_code == 0, remote.output
    for trial in (tmp_path / "local").glob("*__*"):
        a = json.loads((trial / "summary.json").read_text())
        b = json.loads((tmp_path / "ray" / trial.name / "summary.json").read_text())
        assert a["status"] == b["status"] == "completed"
        # the same training; Ray's workers run numpy's BLAS on one thread, which can move the last digit
        assert a["final"]["metrics"] == pytest.approx(b["final"]["metrics"], rel=1e-12)
        assert a["counters"]["steps"] == b["counters"]["steps"] and a["seed"] == b["seed"]
        # two trials ran at once on the two CPUs, locally (jobs = 2) and on Ray: each says so
        assert a["device"]["trials_at_once"] == b["device"]["trials_at_once"] == 2
    assert "**Verdict:**" in remote.output


def test_without_ray_installed_the_error_says_what_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--out",
            str(tmp_path / "x"),
            "--budget",
            "1steps",
            "--seeds",
            "1",
            "--datasets",
            "8gaussians",
            "--executor",
            "ray",
        ],
    )
    assert result.exit_code == 2 and "benchbench[ray]" in result.output
