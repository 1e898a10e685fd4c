"""The README's examples are part of the interface: every TOML block must load as a suite, and
every `benchbench` command line must parse with the options the CLI has (cheap ones run)."""

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

README = (Path(__file__).parent.parent / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


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


@pytest.mark.parametrize("line", command_lines())
def test_every_command_example_parses(line):
    args = shlex.split(line)[1:]
    try:
        context = main.make_context("benchbench", list(args), resilient_parsing=False)
        name, command, rest = main.resolve_command(context, context.protected_args + context.args)
        assert isinstance(command, click.Command), f"{line}: no command {name}"
        command.make_context(name, rest, parent=context)  # unknown options or bad values raise here
    except click.exceptions.Exit as done:  # --help prints and exits 0
        assert done.exit_code == 0 and line.endswith("--help"), line


def test_the_readme_has_examples_to_check():
    assert len(blocks("toml")) >= 2 and len(command_lines()) >= 10


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
    assert len(blocks("python")) == 1


@pytest.mark.parametrize("code", blocks("python"), ids=lambda c: c.splitlines()[0][:40])
def test_every_python_example_runs(code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(code, {})
    printed = capsys.readouterr().out
    assert "lsgan" in printed and "wgan-gp" in printed and "SWD" in printed
