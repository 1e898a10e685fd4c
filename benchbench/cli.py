"""The command line: thin commands over the packages. Exit codes: 0 ok, 1 a check failed, 2 bad input."""

from __future__ import annotations

import functools
import io
import json
import sys
from pathlib import Path
from typing import Any, Callable

import click

from benchbench.errors import UserError


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input becomes one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UserError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)

    return wrapper


def _split(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="benchbench")
def main() -> None:
    """Benchmark GAN families under equal budgets."""


@main.command()
@click.argument("suite", required=False, default="default")
@click.option("--families", help="Comma-separated families, e.g. wgan-gp,began.")
@click.option("--datasets", help="Comma-separated datasets, e.g. mnist,8gaussians,folder:/path.")
@click.option("--seeds", help="A number of seeds (3 = seeds 0,1,2) or a comma-separated list.")
@click.option("--budget", help="Comma-separated budgets: 120s, 2min, 2000steps, 50kimg.")
@click.option("--width", type=float, help="Width multiplier of all networks.")
@click.option("--jobs", type=int, help="Trials run at once on the CPU (the cores are split between them).")
@click.option("--out", type=click.Path(path_type=Path), help="Run directory [default: results/SUITE].")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@user_errors
def run(suite: str, families: str | None, datasets: str | None, seeds: str | None, budget: str | None,
        width: float | None, jobs: int | None, out: Path | None, device: str) -> None:  # fmt: skip
    """Train and evaluate every trial of SUITE (a built-in name or a TOML file), then report."""
    from benchbench import suite as suites
    from benchbench.datasets import load as load_dataset
    from benchbench.environment import resolve_device
    from benchbench.execution import prepare_run_dir, run_local

    plan = suites.load(suite)
    data = plan.describe()
    overrides = {"families": _split(families), "datasets": _split(datasets), "budgets": _split(budget)}
    data.update({k: v for k, v in overrides.items() if v is not None})
    if seeds is not None:
        data["seeds"] = int(seeds) if seeds.strip().isdigit() else [_int(s, "--seeds") for s in _split(seeds) or []]
    if width is not None:
        data["settings"]["width"] = width
    if jobs is not None:
        data["jobs"] = jobs
    plan = suites.from_dict(data, "command line")
    torch_device = resolve_device(device)
    trials = plan.plan()
    for trial in {t.dataset: t for t in trials}.values():  # missing data fails now, not mid-run
        load_dataset(trial.dataset, **trial.dataset_options)
    out = out or Path("results") / plan.name
    prepare_run_dir(out, plan)
    click.echo(f"{len(trials)} trials ({', '.join(plan.families)} on {', '.join(plan.datasets)}, "
               f"seeds {plan.seeds}, budgets {', '.join(map(str, plan.budgets))}) -> {out}", err=True)  # fmt: skip

    def notify(summary: dict[str, Any]) -> None:
        final = (summary.get("final") or {}).get("metrics", {})
        primary = summary.get("primary_metric", "fid")
        value = f"{primary} {final[primary]:.4g}" if primary in final else summary.get("error", "")
        click.echo(f"  {summary['trial']}: {summary['status']} {value}", err=True)

    run_local(trials, out, torch_device, plan.jobs, progress=sys.stderr.isatty(), notify=notify)
    click.echo(_write_report(out, plan.name))


def _int(text: str, option: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UserError(f"{option}: {text!r} is not an integer") from None


def _write_report(run_dir: Path, title: str) -> str:
    from benchbench.report import load_runs, render_markdown
    from benchbench.results import atomic_write_text

    runs = load_runs([run_dir])
    buffer = io.StringIO()
    runs.to_csv(buffer, index=False)
    atomic_write_text(run_dir / "summary.csv", buffer.getvalue())
    text = render_markdown(runs, title=f"benchbench: {title}")
    atomic_write_text(run_dir / "report.md", text)
    return text


@main.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of to the screen.")
@user_errors
def report(run_dirs: tuple[Path, ...], fmt: str, output: Path | None) -> None:
    """Tables, statistics and verdicts for one or more run directories."""
    from benchbench.report import load_runs, render_markdown

    runs = load_runs(list(run_dirs))
    if fmt == "md":
        text = render_markdown(runs)
    elif fmt == "csv":
        text = runs.to_csv(index=False)
    else:
        text = runs.to_json(orient="records", indent=2)
    if output:
        from benchbench.results import atomic_write_text

        atomic_write_text(output, text)
    else:
        click.echo(text)


@main.command(name="list")
def list_command() -> None:
    """Families (with their defaults), datasets, feature extractors, architectures and suites."""
    from benchbench.datasets import DATASETS
    from benchbench.families import FAMILIES
    from benchbench.metrics import EXTRACTORS
    from benchbench.nets import ARCHITECTURES
    from benchbench.suite import builtin_names

    click.echo("families:")
    for name in FAMILIES:
        defaults = ", ".join(f"{k}={v}" for k, v in FAMILIES.get(name).defaults.items())
        click.echo(f"  {name:12s} {defaults}")
    click.echo("datasets:\n  " + ", ".join(DATASETS.names()))
    click.echo("feature extractors:")
    for name in EXTRACTORS:
        click.echo(f"  {name:20s} {EXTRACTORS.get(name).description}")
    click.echo("architectures:\n  " + ", ".join(ARCHITECTURES.names()))
    click.echo("suites:\n  " + ", ".join(builtin_names()))


@main.command()
@click.argument("trial_dir", type=click.Path(path_type=Path))
@click.option("-n", "count", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="An .npz file.")
@click.option("--best", is_flag=True, help="Use the best-on-validation generator instead of the final one.")
@click.option("--seed", type=int, default=0, show_default=True)
@user_errors
def sample(trial_dir: Path, count: int, output: Path, best: bool, seed: int) -> None:
    """Write COUNT samples of a trial's generator to an .npz (`images`: uint8 N x C x H x W,
    or `points`: float32 N x 2)."""
    from benchbench.training.sampling import sample_trial

    key, array = sample_trial(trial_dir, count, best, seed)
    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, **{key: array})
    from benchbench.results.io import atomic_write_bytes

    atomic_write_bytes(output, buffer.getvalue())
    click.echo(json.dumps({"output": str(output), key: list(array.shape), "dtype": str(array.dtype)}))


if __name__ == "__main__":
    main()
