"""docs/user-guide.md's command block runs line by line, in order, in a fresh folder: each run
shortened to seconds by flags appended to the page's own line, TRIAL replaced by a trial of the
run before it. A line that cannot run here is listed below with the reason, so that a new line on
the page is run or explained, never skipped silently."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchbench.cli import main

PAGE = (Path(__file__).parent.parent / "docs" / "user-guide.md").read_text()
SHORT = [
    "--seeds",
    "1",
    "--budget",
    "3steps",
    "--set",
    "final_samples=400",
    "--set",
    "eval_points=2",
    "--set",
    "eval_samples=200",
    "--device",
    "cpu",
    "--jobs",
    "1",
]  # fmt: skip (one process: no worker start-up)
NOT_RUN = {  # the reason each of these lines is not run in the tests
    "benchbench run long": "the default suite at ten times the budget: the default suite's line runs",
    "benchbench run tuned": "3 sampled settings per family; tests/test_hyperparameters.py runs a study",
    "benchbench run claim-progan": "ProGAN's sweep; tests/test_claims.py runs a claim suite from the CLI",
    "benchbench run began-ablation": "19 variants of one family; tests/test_cli.py runs an ablation",
    "benchbench run my_suite.toml --out results/mine": "a file of the reader's own (the TOML blocks are loaded in test_readme.py)",
}  # fmt: skip


def page_lines() -> list[str]:
    block = re.findall(r"```bash\n(.*?)```", PAGE, flags=re.S)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.startswith("benchbench ")]


def test_every_line_is_run_or_explained():
    lines = page_lines()
    assert set(NOT_RUN) <= set(lines), set(NOT_RUN) - set(lines)
    assert len(lines) - len(NOT_RUN) >= 10


@pytest.mark.slow  # end to end: the default suite and the toy suite at 3 steps, sampling, a contract check
def test_the_command_block_runs_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for line in page_lines():
        if line in NOT_RUN:
            continue
        args = shlex.split(line)[1:]
        if "TRIAL" in line:
            trial = next(p.parent.name for p in sorted(Path("results/default").glob("*/checkpoint.pt")))
            args = [a.replace("TRIAL", trial) for a in args]
        if "--device" in args and "cuda" in args:  # no GPU here: refused in one line before any work
            result = CliRunner().invoke(main, args)
            assert result.exit_code == 2 and "cuda" in result.output.lower(), result.output
            assert len(result.output.strip().splitlines()) == 1
            continue
        if args[0] == "run" and "--help" not in args:
            suite = args[1] if len(args) > 1 and not args[1].startswith("-") else "default"
            args += SHORT + ["--out", f"results/{suite}"]  # where the unshortened run writes
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, f"{line}:\n{result.output}"
    assert Path("results/default/report.md").is_file() and Path("results/toy/report.md").is_file()
    assert Path("leaderboard.json").is_file() and Path("samples.npz").is_file()
