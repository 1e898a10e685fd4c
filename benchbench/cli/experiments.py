"""Commands that run suites and read their results: run, report, sample."""

from __future__ import annotations

import json
import math
import signal
import sys
from pathlib import Path
from typing import Any

import click

from benchbench.cli.common import check_writable, parse_assignments, parse_int, split_list, user_errors
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
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="A [settings] key over the suite's (docs/user-guide.md lists them), e.g. --set eval_samples=4096.",
)
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
    assignments: tuple[str, ...],
) -> None:
    """Train and evaluate every trial of SUITE (a built-in name or a TOML file), then report.
    A family may be named as package.module:Class (imported from the current directory)."""
    from benchbench.api import run as run_suite
    from benchbench.suite import Overrides

    if address is not None and executor != "ray":
        raise UserError("--address names a Ray cluster: use it with --executor ray")
    for option, value in (("--families", families), ("--datasets", datasets), ("--budget", budget), ("--seeds", seeds)):
        if value is not None and not split_list(value):  # "" must not silently mean the suite's own
            raise UserError(f"{option} is empty: name at least one, or leave the option out")
    settings: dict[str, Any] = parse_assignments(assignments)
    if width is not None:
        settings["width"] = width
    if extractor is not None:
        settings["extractor"] = extractor
    if seeds is None:
        seed_list: int | list[int] | None = None
    elif seeds.strip().isdigit():
        seed_list = int(seeds)
    else:
        seed_list = [parse_int(s, "--seeds") for s in split_list(seeds) or []]
    overrides = Overrides(
        families=split_list(families),
        datasets=split_list(datasets),
        seeds=seed_list,
        budgets=split_list(budget),
        jobs=jobs,
        settings=settings,
    )
    results = run_suite(
        suite,
        overrides=overrides,
        out=out,
        device=device,
        executor=executor,
        address=address,
        allow_long=allow_long,
        echo=lambda text: click.echo(text, err=True),
    )
    click.echo(results.report("md"))


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
    from benchbench.api import Results

    if output:
        check_writable(output)
        # the files a report reads: writing over them would lose the run
        read = {d.resolve() / "run.json" for d in run_dirs} | {d.resolve() / "summary.csv" for d in run_dirs}
        if output.resolve() in read or (
            output.name == "summary.json" and output.resolve().parent.parent in {d.resolve() for d in run_dirs}
        ):
            raise UserError(f"{output} is one of the run's own files, which this report reads: write elsewhere")
    text = Results(list(run_dirs)).report("csv-trials" if fmt == "csv" and per_trial else fmt)
    if output:
        from benchbench.results import atomic_write_text

        atomic_write_text(output, text)
    else:
        click.echo(text)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


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
    # images come 5,000 at a time (the generator's activations); points are small, so 1M at once
    chunk = 5000 if key == "images" else 2**20
    size = f"{count * row_bytes / 2**20:,.0f} MiB"
    click.echo(f"sampling {count:,} {key} ({size}) into {output}", err=True)
    shown = [0]

    def chunks() -> Any:
        for index, array in enumerate(sample_chunks(dataset, family, count, seed, chunk)):
            done = min((index + 1) * chunk, count)
            if count > chunk and done * 10 // count > shown[0]:  # at most ten progress lines
                shown[0] = done * 10 // count
                click.echo(f"  {done:,} of {count:,} samples", err=True)
            yield array

    # SIGTERM ends the command as Ctrl-C does, so the partial temporary file is removed too
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        write_npz_stream(output, key, count, chunks())
    except KeyboardInterrupt:
        click.echo(f"interrupted: nothing written to {output} (sample again to start over)", err=True)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(
        json.dumps(
            {"output": str(output), key: [count, *dataset.shape], "dtype": "uint8" if key == "images" else "float32"}
        )
    )
