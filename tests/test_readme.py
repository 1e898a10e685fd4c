"""The README's and the user docs' examples are part of the interface: every TOML block must load
as a suite, and every `benchbench` command line must parse with the options the CLI has (cheap
ones run); every page is linked from the README and every local link resolves."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from benchbench import suite
from benchbench.cli import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
# The pages of the user docs: their examples are checked as the README's are. (writing-a-family.md
# is run block by block in test_docs.py; the reports in docs/ are generated output.)
PAGES = ["user-guide.md", "findings.md", "metrics.md", "gate.md", "speed.md", "design.md", "leaderboard.md"]
TEXTS = [README] + [(ROOT / "docs" / page).read_text() for page in PAGES]


def blocks(language: str, texts: list[str] = TEXTS) -> list[str]:
    return [block for text in texts for block in re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)]


def command_lines() -> list[str]:
    lines = []
    for block in blocks("bash"):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("benchbench ") and "<" not in command and "..." not in command:
                lines.append(command)
    return lines


@pytest.mark.parametrize("text", blocks("toml"), ids=lambda t: t.splitlines()[0][:40])
def test_every_toml_example_is_a_valid_suite(text):
    suite.from_dict(tomllib.loads(text), "README example")


def parse_problem(line: str) -> str | None:
    """Why the command line would not parse (unknown command or option, bad value), or None."""
    args = shlex.split(line)[1:]
    try:
        context = main.make_context("benchbench", list(args), resilient_parsing=False)
        name, command, rest = main.resolve_command(context, context.protected_args + context.args)
        command.make_context(name, rest, parent=context)  # unknown options or bad values raise here
    except click.exceptions.Exit as done:  # --help prints and exits 0
        return None if done.exit_code == 0 and line.endswith("--help") else f"exit {done.exit_code}"
    except click.UsageError as error:
        return error.format_message()
    return None


@pytest.mark.parametrize("line", command_lines())
def test_every_command_example_parses(line):
    assert parse_problem(line) is None, line


def test_the_parse_check_catches_what_a_reader_would_get_wrong():
    for bad in (
        "benchbench rnu",
        "benchbench run --no-such-option",
        "benchbench check x --basline b",
        "benchbench check",
    ):
        assert parse_problem(bad), bad
    assert parse_problem("benchbench run --seeds 3 --budget 60s") is None


def test_the_readme_has_examples_to_check():
    assert len(blocks("toml")) >= 2 and len(command_lines()) >= 10


def test_the_readme_is_one_page_that_links_every_doc():
    assert len(README.splitlines()) < 200
    for page in [*PAGES, "writing-a-family.md"]:
        assert f"](docs/{page})" in README, page


@pytest.mark.parametrize("name", ["README.md"] + [f"docs/{page}" for page in PAGES])
def test_every_local_link_resolves(name):
    path = ROOT / name
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", path.read_text()):
        if not target.startswith(("http://", "https://", "mailto:")):
            assert (path.parent / target).exists(), f"{name} links to {target}, which does not exist"


def cheap_lines() -> list[str]:
    """The README's command lines that do no training: listing and help."""
    return [line for line in command_lines() if line == "benchbench list" or line.endswith("--help")]


def test_the_readme_shows_cheap_commands_to_run():
    assert "benchbench list" in cheap_lines() and "benchbench --help" in cheap_lines()


@pytest.mark.parametrize("line", cheap_lines())
def test_cheap_examples_run(line):
    result = CliRunner().invoke(main, shlex.split(line)[1:])
    assert result.exit_code == 0, result.output


def test_the_readme_has_one_python_example():
    assert len(blocks("python", [README])) == 1


@pytest.mark.slow  # end to end: starts processes (each imports torch and torch-fidelity, about 5 s)
@pytest.mark.parametrize("code", blocks("python", [README]), ids=lambda c: c.splitlines()[0][:40])
def test_every_python_example_runs(code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(code, {})
    printed = capsys.readouterr().out
    assert "lsgan" in printed and "wgan-gp" in printed and "SWD" in printed


def workflow_command_lines() -> list[str]:
    """The benchbench command lines of the example CI workflows (each must be valid YAML)."""
    import yaml

    lines = []
    for name in ("ci/github-actions.yml", "ci/user-repo/gan-gate.yml"):
        workflow = yaml.safe_load((ROOT / name).read_text())
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                for line in str(step.get("run", "")).splitlines():
                    command = line.split("#", 1)[0].strip()
                    if command.startswith("benchbench "):
                        lines.append(command)
    return lines


def test_the_workflows_show_the_whole_loop():
    lines = workflow_command_lines()
    for command in ("benchbench run", "benchbench baseline", "benchbench history show"):
        assert any(line.startswith(command) for line in lines), command


@pytest.mark.parametrize("line", workflow_command_lines())
def test_every_workflow_command_parses(line):
    assert parse_problem(line) is None, line


# Lines run elsewhere: the gate block by tests/test_docs_gate.py, lines the user guide shows too
# by tests/test_docs_user_guide.py, `make` lines by CI itself.
README_NOT_RUN = {
    "benchbench run my_suite.toml --out results/mine": "a file of the reader's own (test_docs_user_guide.py says so too)",
}


def readme_lines() -> list[str]:
    """The README's benchbench lines outside its gate block, in order."""
    blocks = [
        b for b in re.findall(r"```bash\n(.*?)```", README, flags=re.S) if not b.startswith("benchbench run regression")
    ]
    lines = [re.sub(r"\s+#.*$", "", line).strip() for block in blocks for line in block.splitlines()]
    from test_docs_user_guide import page_lines

    elsewhere = set(README_NOT_RUN) | set(page_lines())
    return [line for line in dict.fromkeys(lines) if line.startswith("benchbench ") and line not in elsewhere]


@pytest.mark.slow  # end to end: the default suite, three families on 8 gaussians and a loaded generator, in seconds
def test_the_readme_lines_run_in_order(tmp_path, monkeypatch):
    import torch

    monkeypatch.chdir(tmp_path)
    lsgan = (ROOT / "examples" / "lsgan" / "benchbench_lsgan" / "__init__.py").read_text()
    Path("my_module.py").write_text(
        lsgan + "\n\nclass MyGAN(LSGAN):\n    label = 'MyGAN'\n"
    )  # "a class in ./my_module.py"
    mine = torch.nn.Sequential(torch.nn.Linear(128, 784), torch.nn.Tanh(), torch.nn.Unflatten(1, (1, 28, 28)))
    dims = {"input": {0: torch.export.Dim("n")}}
    torch.export.save(torch.export.export(mine.eval(), (torch.randn(4, 128),), dynamic_shapes=dims), "mine.pt2")
    from test_docs_user_guide import SHORT as short  # the same shortening as the user guide's runs

    # results/default, as `make run` leaves it (shortened)
    assert CliRunner().invoke(main, ["run", "--out", "results/default", *short]).exit_code == 0
    for line in readme_lines():
        args = shlex.split(line)[1:]
        if args[0] == "run" and "--help" not in args:
            args += short
        elif args[0] == "load":
            args += ["--seeds", "1", "--final-samples", "400", "--device", "cpu"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, f"{line}:\n{result.output}"
    assert Path("site/index.html").is_file() and Path("runs/mine/run.json").is_file()
