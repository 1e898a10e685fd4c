"""The command line: thin commands over the packages. Exit codes: 0 ok, 1 a check failed, 2 bad input.

Commands import the heavy modules (torch, pandas) only inside their bodies, so `--help` loads
neither; they live in experiments.py (run, report, list, sample) and checks.py (bench,
baseline, check, eval, check-family).
"""

from __future__ import annotations

import click

from benchbench.cli import checks, experiments


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="benchbench")
def main() -> None:
    """Benchmark GAN families under equal budgets."""


for command in (
    experiments.run,
    experiments.report,
    experiments.list_command,
    experiments.sample,
    checks.bench,
    checks.baseline,
    checks.check_command,
    checks.eval_command,
    checks.check_family_command,
):
    main.add_command(command)
