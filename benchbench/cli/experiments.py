"""Commands that run suites and read their results: run, report, list, sample."""

from __future__ import annotations

import hashlib
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import click

from benchbench.cli.common import check_writable, parse_int, split_list, user_errors
from benchbench.errors import UserError


@click.command()
@click.argument("suite", required=False, default="default")
@click.option("--families", help="Comma-separated families, e.g. wgan-gp,began.")
@click.option("--datasets", help="Comma-separated datasets, e.g. mnist,8gaussians,folder:/path.")
@click.option("--seeds", help="A number of seeds (3 = seeds 0,1,2) or a comma-separated list.")
@click.option("--budget", help="Comma-separated budgets: 120s, 2min, 2000steps, 50kimg, 1e15flops (training FLOPs).")
@click.option("--width", type=float, help="Width multiplier of all networks.")
@click.option("--jobs", type=int, help="Trials run at once on the CPU (the cores are split between them).")
@click.option("--extractor", help="Feature extractor for image metrics [default: the dataset's].")
@click.option("--out", type=click.Path(path_type=Path), help="Run directory [default: results/SUITE].")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--address", help="Ray cluster address (auto, or HOST:PORT) [default: start a local Ray].")
@click.option("--allow-long", is_flag=True, help="Run trials estimated to train for more than a day.")
@user_errors
def run(
    suite: str,
    families: str | None,
    datasets: str | None,
    seeds: str | None,
    budget: str | None,
    width: float | None,
    jobs: int | None,
    extractor: str | None,
    out: Path | None,
    device: str,
    executor: str,
    address: str | None,
    allow_long: bool,
) -> None:
    """Train and evaluate every trial of SUITE (a built-in name or a TOML file), then report."""
    from benchbench import suite as suites
    from benchbench.datasets import load as load_dataset
    from benchbench.environment import resolve_device
    from benchbench.execution import check_run_dir, prepare_run_dir, run_local, run_ray
    from benchbench.execution.estimate import describe, estimate

    plan = suites.load(suite)
    data = plan.describe()
    overrides = {"families": split_list(families), "datasets": split_list(datasets), "budgets": split_list(budget)}
    data.update({k: v for k, v in overrides.items() if v is not None})
    if seeds is not None:
        data["seeds"] = (
            int(seeds) if seeds.strip().isdigit() else [parse_int(s, "--seeds") for s in split_list(seeds) or []]
        )
    if width is not None:
        data["settings"]["width"] = width
    if jobs is not None:
        data["jobs"] = jobs
    if extractor is not None:
        data["settings"]["extractor"] = extractor
    plan = suites.from_dict(data, "command line")
    torch_device = resolve_device(device)
    trials = plan.plan()
    for trial in {t.dataset: t for t in trials}.values():  # missing data fails now, not mid-run
        load_dataset(trial.dataset, **trial.dataset_options)
    if out is None:
        out = Path("results") / plan.name
        if any(flag is not None for flag in (families, datasets, seeds, budget, width, extractor)):
            # a plan of its own gets a directory of its own, named by its trials (a rerun finds it)
            digest = hashlib.sha256("\n".join(t.key for t in trials).encode()).hexdigest()[:8]
            out = Path("results") / f"{plan.name}-{digest}"
    if address is not None and executor != "ray":
        raise UserError("--address names a Ray cluster: use it with --executor ray")
    check_run_dir(out, plan)
    to_time = len({t.config_hash() for t in trials if t.budget.kind != "seconds"})
    if to_time > 3:  # a few seconds each: say why nothing happens yet
        click.echo(f"timing {to_time} configuration(s) for a few steps, to estimate the run's length", err=True)
    seconds = estimate(trials, torch_device, plan.jobs, allow_long)
    prepare_run_dir(out, plan)
    click.echo(
        f"{len(trials)} trials ({', '.join(plan.families)} on {', '.join(plan.datasets)}, "
        f"seeds {plan.seeds}, budgets {', '.join(map(str, plan.budgets))}) -> {out}; "
        f"{describe(seconds, plan.jobs)}",
        err=True,
    )

    def notify(summary: dict[str, Any]) -> None:
        final = (summary.get("final") or {}).get("metrics", {})
        primary = summary.get("primary_metric", "fid")
        value = f"{primary} {final[primary]:.4g}" if primary in final else summary.get("error", "")
        click.echo(f"  {summary['trial']}: {summary['status']} {value}", err=True)

    if executor == "ray":
        run_ray(trials, out, torch_device, address, notify=notify, trials_per_device=plan.jobs)
    else:
        run_local(
            trials, out, torch_device, plan.jobs, progress="bar" if sys.stderr.isatty() else "lines", notify=notify
        )
    click.echo(_write_report(out, plan.name))


def _write_report(run_dir: Path, title: str) -> str:
    from benchbench.report import load_runs, render_markdown
    from benchbench.results import atomic_write_text

    runs = load_runs([run_dir])
    buffer = io.StringIO()
    runs.to_csv(buffer, index=False)
    atomic_write_text(run_dir / "summary.csv", buffer.getvalue())
    text = render_markdown(runs, title=f"benchbench: {title}")
    atomic_write_text(run_dir / "report.md", text)
    from benchbench.report.html import render_html

    atomic_write_text(run_dir / "report.html", render_html(runs, title=f"benchbench: {title}"))
    return text


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["md", "html", "csv", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of to the screen.")
@click.option("--trials", "per_trial", is_flag=True, help="With --format csv: one row per trial, not per entry.")
@user_errors
def report(run_dirs: tuple[Path, ...], fmt: str, output: Path | None, per_trial: bool) -> None:
    """Tables, statistics and verdicts for one or more run directories. json: the leaderboard,
    verdicts, claims and trials in a versioned schema (benchbench/report/report.schema.json);
    csv: the leaderboard, one row per entry (--trials: one per trial)."""
    from benchbench.report import load_runs, render_markdown
    from benchbench.report.load import planned_trials

    if output:
        check_writable(output)
    runs = load_runs(list(run_dirs))
    planned = planned_trials(list(run_dirs))
    if fmt == "md":
        text = render_markdown(runs, planned=planned)
    elif fmt == "html":
        from benchbench.report.html import render_html

        text = render_html(runs, planned=planned)
    elif fmt == "csv" and per_trial:
        text = runs.to_csv(index=False)
    else:
        from benchbench.report.document import leaderboard_csv, report_document

        document = report_document(runs, "benchbench report", planned)
        text = leaderboard_csv(document) if fmt == "csv" else json.dumps(document, indent=2)
    if output:
        from benchbench.results import atomic_write_text

        atomic_write_text(output, text)
    else:
        click.echo(text)


@click.command(name="list")
def list_command() -> None:
    """Families (with their defaults), datasets, feature extractors, architectures and suites."""
    from benchbench.datasets import DATASETS
    from benchbench.families import FAMILIES
    from benchbench.metrics import EXTRACTORS
    from benchbench.nets import ARCHITECTURES
    from benchbench.suite import builtin_names

    click.echo("families (published defaults; per kind of data where they differ, with their source):")
    for name in FAMILIES:
        family = FAMILIES.get(name)
        defaults = ", ".join(f"{k}={v}" for k, v in family.defaults.items())
        click.echo(f"  {name:12s} {defaults}")
        for kind in sorted(set(family.defaults_for) | set(family.sources)):
            changes = ", ".join(f"{k}={v}" for k, v in family.defaults_for.get(kind, {}).items()) or "as above"
            source = family.sources.get(kind, "")
            click.echo(f"  {'':12s}   {kind}: {changes}" + (f"  [{source}]" if source else ""))
    click.echo("datasets:\n  " + ", ".join(DATASETS.names()))
    click.echo("feature extractors:")
    for name in EXTRACTORS:
        click.echo(f"  {name:20s} {EXTRACTORS.get(name).description}")
    click.echo("architectures:\n  " + ", ".join(ARCHITECTURES.names()))
    click.echo("suites:\n  " + ", ".join(builtin_names()))


@click.command()
@click.argument("trial_dir", type=click.Path(path_type=Path))
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="How many samples (written in chunks; refused if they would not fit on the disk).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="An .npz file.")
@click.option("--best", is_flag=True, help="Use the best-on-validation generator instead of the final one.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the noise (the same seed, the same samples)."
)
@user_errors
def sample(trial_dir: Path, count: int, output: Path, best: bool, seed: int) -> None:
    """Write COUNT samples of a trial's generator to an .npz (`images`: uint8 N x C x H x W,
    or `points`: float32 N x 2)."""
    import shutil

    from benchbench.results.io import write_npz_stream
    from benchbench.training.sampling import sample_chunks, trial_generator

    check_writable(output)
    dataset, family = trial_generator(trial_dir, best)
    key = "images" if dataset.kind == "image" else "points"
    row_bytes = math.prod(dataset.shape) * (1 if key == "images" else 4)
    free = shutil.disk_usage(output.parent if str(output.parent) else Path(".")).free
    if count * row_bytes > free:
        raise UserError(
            f"{count} samples need {count * row_bytes / 2**30:.1f} GiB and {output.parent} has "
            f"{free / 2**30:.1f} GiB free"
        )
    chunk = 5000

    def chunks() -> Any:
        for index, array in enumerate(sample_chunks(dataset, family, count, seed, chunk)):
            if count > chunk:
                click.echo(f"  {min((index + 1) * chunk, count)} of {count} samples", err=True)
            yield array

    write_npz_stream(output, key, count, chunks())
    click.echo(
        json.dumps(
            {"output": str(output), key: [count, *dataset.shape], "dtype": "uint8" if key == "images" else "float32"}
        )
    )
