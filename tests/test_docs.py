"""docs/writing-a-family.md is part of the interface: its family is the example package's, and
every block on it runs (the family checked and compared, the dataset and the extractor used)."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

import benchbench
from benchbench.cli import main
from benchbench.registry import Origin

ROOT = Path(__file__).parent.parent
PAGE = (ROOT / "docs" / "writing-a-family.md").read_text()
EXAMPLE = ROOT / "examples" / "lsgan"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE, flags=re.S)


@pytest.fixture
def family_file(tmp_path, monkeypatch):
    """The page's family saved as my_lsgan.py, as the page says, in the working directory."""
    (tmp_path / "my_lsgan.py").write_text(blocks("python")[0])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_page_builds_the_example_package_family_in_about_40_lines():
    family = blocks("python")[0]
    assert family == (EXAMPLE / "benchbench_lsgan" / "__init__.py").read_text()
    assert len(family.splitlines()) <= 45
    # only the public names: nothing from benchbench's modules
    assert re.findall(r"^from benchbench(\S*) import", family, flags=re.M) == [""]
    package = tomllib.loads(blocks("toml")[1])
    example = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())
    assert package["project"]["entry-points"] == example["project"]["entry-points"]
    assert package["project"]["name"] == example["project"]["name"]


def command_lines() -> list[str]:
    return [line for block in blocks("bash") for line in block.splitlines() if line.startswith("benchbench")]


def test_the_check_on_the_page_passes_the_page_family(family_file):
    result = CliRunner().invoke(main, shlex.split(command_lines()[0])[1:])
    assert result.exit_code == 0 and "8 of 8 properties hold" in result.output, result.output


@pytest.mark.slow
def test_the_comparison_on_the_page_runs(family_file):
    # the page's families and data, shortened to seconds
    args = shlex.split(command_lines()[1])[1:] + ["--seeds", "1", "--budget", "20steps", "--out", "cmp"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "my_lsgan:LSGAN" in result.output and "WGAN-GP" in result.output and "BEGAN" in result.output


def test_the_suite_on_the_page_loads_with_its_family_from_the_current_directory(family_file):
    from benchbench.suite import from_dict

    suite = from_dict(tomllib.loads(blocks("toml")[0]), "docs example")
    trial = suite.plan()[0]
    assert trial.family == "my_lsgan:LSGAN" and trial.family_config == {"d_norm": "layer"}
    assert trial.config()["family_origin"]["target"] == "my_lsgan:LSGAN"


@pytest.mark.slow  # end to end: trains and reports the page's notebook run (about 10 s)
def test_the_notebook_example_runs_with_the_class_itself(family_file, capsys):
    from my_lsgan import LSGAN

    exec(blocks("python")[1], {"LSGAN": LSGAN, "workdir": family_file})
    printed = capsys.readouterr().out
    assert "final_swd_mean" in printed and "wgan-gp" in printed and "my_lsgan:LSGAN" in printed


def test_the_dataset_on_the_page_loads_through_a_spec(monkeypatch):
    from benchbench import datasets

    namespace: dict = {}
    exec(blocks("python")[2], namespace)
    monkeypatch.setitem(datasets.DATASETS._entries, "circle", namespace["circle"])
    monkeypatch.setitem(datasets.DATASETS._origins, "circle", Origin("import", target="docs:circle"))
    data = datasets.load("circle:2.5")
    assert isinstance(data, benchbench.Dataset) and data.kind == "points"
    radius = data.reference("train").norm(dim=1)
    assert abs(radius.mean().item() - 2.5) < 0.01 and sum(len(s) for s in data.splits.values()) == 20_000


def test_the_extractor_on_the_page_scores_digits(monkeypatch):
    from benchbench import datasets
    from benchbench.metrics import EXTRACTORS
    from benchbench.metrics.evaluator import Evaluator

    namespace: dict = {}
    exec(blocks("python")[3], namespace)
    monkeypatch.setitem(EXTRACTORS._entries, "pooled-pixels", namespace["POOLED_PIXELS"])
    monkeypatch.setitem(EXTRACTORS._origins, "pooled-pixels", Origin("import", target="docs:POOLED_PIXELS"))
    mnist = datasets.load("mnist")
    evaluator = Evaluator(mnist, "pooled-pixels", torch.device("cpu"))
    real, _ = evaluator.evaluate_samples(mnist.reference("validation", 1000), "test", ("fid",))
    noise = torch.randint(0, 256, (1000, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    fake, provenance = evaluator.evaluate_samples(noise, "test", ("fid",))
    assert provenance["extractor"] == "pooled-pixels" and provenance["extractor_weights"] == "no-weights"
    assert 0 <= real["fid"] < 0.1 * fake["fid"]  # real digits are far closer to real digits than noise is
