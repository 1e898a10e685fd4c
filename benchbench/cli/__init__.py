"""The command line: thin commands over the packages. Exit codes: 0 ok, 1 a check failed, 2 bad input.

Commands import the heavy modules (torch, pandas) only inside their bodies, so `--help` loads
neither; they live in experiments.py (run, report, sample), gate.py (baseline, check, history),
measure.py (bench, eval) and extensions.py (list, check-family).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from benchbench.cli import boards, experiments, extensions, gate, measure


class OneLineErrors(click.Group):
    """Usage errors (an unknown command or option, a bad value) in one line with exit 2, as every
    other bad input is, instead of click's usage block."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as error:  # `benchbench` alone: the help, as before
            error.show()
            sys.exit(error.exit_code)
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx else "benchbench"
            click.echo(f"error: {error.format_message()} (see {where} --help)", err=True)
            sys.exit(2)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="benchbench")
def main() -> None:
    """Benchmark GAN families under equal budgets."""


for command in (
    experiments.run,
    experiments.report,
    extensions.list_command,
    experiments.sample,
    measure.bench,
    gate.baseline,
    gate.check_command,
    gate.history,
    measure.eval_command,
    extensions.check_family_command,
    boards.load_command,
    boards.reference_command,
    boards.leaderboard,
):
    main.add_command(command)
