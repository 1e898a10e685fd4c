"""The Python API with its default jobs (the suite's: 2 worker processes) from the three places a
user calls it: a script without an `if __name__ == "__main__":` guard, a program on standard
input, and an interactive session or notebook (no file behind `__main__`, as `python -c` has).
Each runs a two-trial suite in workers that must never re-import the caller."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # three runs of two worker processes each: about a minute

PROGRAM = """
import benchbench
results = benchbench.run(
    "toy", families=["wgan-gp"], datasets=["8gaussians"], seeds=2, budget="2steps", out=OUT,
    settings={"eval_points": 1, "eval_samples": 200, "final_samples": 200, "width": 0.25}, progress="off",
)
print("trials", len(results.trials), "completed", int((results.trials["status"] == "completed").sum()))
"""


def _run(how: str, tmp_path: Path) -> subprocess.CompletedProcess:
    program = f"OUT = {str(tmp_path / 'out')!r}\n" + PROGRAM
    if how == "script":
        script = tmp_path / "study.py"  # no __main__ guard
        script.write_text(program)
        args, stdin = [sys.executable, str(script)], None
    elif how == "stdin":
        args, stdin = [sys.executable, "-"], program
    else:
        args, stdin = [sys.executable, "-c", program], None
    return subprocess.run(args, input=stdin, capture_output=True, text=True, cwd=tmp_path, timeout=300)


@pytest.mark.parametrize("how", ["script", "stdin", "interactive"])
def test_the_api_runs_in_workers_from_anywhere(how, tmp_path):
    result = _run(how, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "trials 2 completed 2" in result.stdout
    assert "BrokenProcessPool" not in result.stderr and "bootstrapping phase" not in result.stderr
    assert result.stdout.count("trials 2") == 1  # the run started once, not again in a worker


def test_an_entry_registered_by_the_callers_script_runs_its_trials_here(tmp_path):
    """A dataset registered from a script (as docs/writing-a-family.md shows) does not exist in
    worker processes: its suite runs in this process, and says so, instead of failing there."""
    from types import SimpleNamespace

    from benchbench.datasets import DATASETS, load
    from benchbench.errors import UserError
    from benchbench.execution.workers import jobs_for

    name = f"script-circle-{tmp_path.name}"
    DATASETS.register(name)(lambda **options: load("8gaussians"))
    settings = SimpleNamespace(extractor=None, final_extractors=None)
    said: list[str] = []
    mine = [SimpleNamespace(family="wgan-gp", dataset=name, settings=settings)]
    assert jobs_for(mine, 2, "local", said.append) == 1
    assert f"dataset {name!r} registered in this process only" in said[0] and "instead of 2 at once" in said[0]
    builtin = [SimpleNamespace(family="wgan-gp", dataset="8gaussians", settings=settings)]
    assert jobs_for(builtin, 2, "local", said.append) == 2 and len(said) == 1
    with pytest.raises(UserError, match="ray workers cannot see"):
        jobs_for(mine, 2, "ray", said.append)
