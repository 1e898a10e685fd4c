"""The README's gate block and docs/gate.md's blocks run as written, in order, in a fresh folder:
the regression suite shortened by flags appended to the page's own line (WGAN-GP on 8 gaussians,
2 seeds of 3 steps, so that a baseline has its two seeds), every check with --no-speed (trials
of a second are too short to time; the speed rule is tested on numbers in test_gate.py), each
history record made at the commit the page later names (GITHUB_SHA, as on a hosted runner)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchbench.cli import main

ROOT = Path(__file__).parent.parent
SHORT = ["--families", "wgan-gp", "--datasets", "8gaussians", "--seeds", "2", "--budget", "3steps", "--jobs", "1",
         "--set", "eval_points=2", "--set", "final_samples=1000", "--device", "cpu"]  # fmt: skip


def gate_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    gate_block = re.findall(r"```bash\n(benchbench run regression.*?)```", readme, flags=re.S)
    pages = gate_block + re.findall(r"```bash\n(.*?)```", (ROOT / "docs" / "gate.md").read_text(), flags=re.S)
    lines = [re.sub(r"\s+#.*$", "", line).strip() for block in pages for line in block.splitlines()]
    return list(dict.fromkeys(line for line in lines if line.startswith("benchbench ")))


def invoke(args: list[str], commit: str | None = None) -> str:
    result = CliRunner().invoke(main, args, env={"GITHUB_SHA": commit} if commit else None)
    assert result.exit_code == 0, f"{shlex.join(args)}:\n{result.output}"
    return result.output


def test_the_pages_show_the_whole_gate():
    verbs = {" ".join(shlex.split(line)[1:3]) for line in gate_lines()}
    for verb in ("run regression", "baseline results/regression", "history add", "history show", "history accept"):
        assert any(v.startswith(verb) for v in verbs), verb


@pytest.mark.slow  # end to end: three 2-trial runs of a second each, a baseline, a history of three records
def test_the_gate_lines_run_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    accepted = [
        shlex.split(line)[shlex.split(line).index("--commit") + 1] for line in gate_lines() if " accept " in line
    ]
    # the pages accept two commits: the page's own record is made at the first, an earlier record
    # (so that the check against the history has a record before its run) at the second
    page_commit, earlier_commit = (f"{c}{'0' * (40 - len(c))}" for c in accepted)
    invoke(["run", "regression", "--out", "results/earlier", *SHORT])
    earlier = [
        "history",
        "add",
        "results/earlier",
        "--into",
        "gate-history/regression",
        "--machine",
        "gh-ubuntu-latest",
    ]
    invoke(earlier, earlier_commit)
    for line in gate_lines():
        args = shlex.split(line)[1:]
        if args[0] == "run":
            args += SHORT
        elif args[0] == "check":
            args.append("--no-speed")
            run = Path(args[1])
            if not run.exists():  # "a new commit's run": the same suite again
                invoke(["run", "regression", "--out", str(run), *SHORT])
        elif args[:2] == ["history", "add"]:
            invoke(args, page_commit)
            continue
        output = invoke(args)
        if args[0] == "check" and "--history" in args:
            assert "records before this run" in output and "gh-ubuntu-latest" in output
    assert Path("baselines/regression-cpu.json").is_file() and Path("results/history/index.html").is_file()
    assert len(list(Path("gate-history/regression/accepted").glob("*.json"))) == len(accepted)
