"""docs/leaderboard.md runs as written: its suite files, then every benchbench command of its
walk-through in order (train two families, load a third generator, add, build), shortened to
seconds by flags appended to the page's own lines; the built site holds the three entries."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from benchbench.cli import main

PAGE = (Path(__file__).parent.parent / "docs" / "leaderboard.md").read_text()
SHORT = {"run": ["--seeds", "1", "--budget", "3steps", "--set", "final_samples=400", "--set", "eval_points=2", "--jobs", "1"],
         "load": ["--seeds", "1", "--final-samples", "400"]}  # fmt: skip


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE, flags=re.S)


def page_commands() -> list[list[str]]:
    """The benchbench command lines of the page's shell blocks, in order, each once."""
    lines = [line.split("#", 1)[0].strip() for block in blocks("bash") for line in block.splitlines()]
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("benchbench ")]
    return [c for i, c in enumerate(commands) if c not in commands[:i]]


def test_the_page_shows_the_whole_path():
    verbs = [" ".join(c[:2]) if c[0] == "leaderboard" else c[0] for c in page_commands()]
    assert verbs == ["run", "load", "reference", "load", "leaderboard add", "leaderboard build"]


@pytest.mark.slow  # end to end: 3 short trials, 4 loaded seeds, a board (about 30 s)
def test_the_walkthrough_runs_as_written(tmp_path, monkeypatch):
    from benchbench.training.budget import Budget
    from benchbench.training.trainer import build
    from benchbench.training.trial import Settings, Trial

    monkeypatch.chdir(tmp_path)
    two, beside = blocks("toml")
    Path("two.toml").write_text(two)
    Path("beside.toml").write_text(beside)
    _, _, dcgan = build(
        Trial("dcgan", "mnist", 0, Budget.parse("1steps"), Settings(width=0.25, g_norm="batch")), torch.device("cpu")
    )
    torch.save(dcgan.generator.state_dict(), "dcgan-generator.pt")  # "a DCGAN generator trained in another run"
    mine = torch.nn.Sequential(torch.nn.Linear(128, 784), torch.nn.Tanh(), torch.nn.Unflatten(1, (1, 28, 28)))
    dims = {"input": {0: torch.export.Dim("n")}}
    torch.export.save(torch.export.export(mine.eval(), (torch.randn(4, 128),), dynamic_shapes=dims), "mine.pt2")
    for command in page_commands():
        result = CliRunner().invoke(
            main, command + SHORT.get(command[0], []) + (["--device", "cpu"] if command[0] in SHORT else [])
        )
        assert result.exit_code == 0, f"{shlex.join(command)}:\n{result.output}"
    document = json.loads(Path("site/leaderboard.json").read_text())
    entries = {e["name"] for t in document["tables"] for e in t["entries"]}
    assert {"WGAN-GP", "BEGAN", "dcgan-generator"} <= entries, entries
    assert Path("site/index.html").is_file() and Path("site/leaderboard.schema.json").is_file()
    assert json.loads(next(Path("runs/mine").glob("*/summary.json")).read_text())["loaded"]["reference"]
    # the page's [[loaded]] suite: a trained family and the same file, in one run and report
    result = CliRunner().invoke(main, ["run", "beside.toml", "--out", "runs/beside", *SHORT["run"], "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert "dcgan-elsewhere" in Path("runs/beside/report.md").read_text()
