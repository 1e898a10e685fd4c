"""The command line: thin commands over the packages. Exit codes: 0 ok, 1 a check failed, 2 bad input."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
        except OSError as error:  # a file that cannot be read or written, found mid-way
            where = f" {error.filename}" if error.filename else ""
            click.echo(f"error: cannot access{where}: {error.strerror or error}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted: rerun the same command to resume", err=True)
            sys.exit(130)

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
    overrides = {"families": _split(families), "datasets": _split(datasets), "budgets": _split(budget)}
    data.update({k: v for k, v in overrides.items() if v is not None})
    if seeds is not None:
        data["seeds"] = int(seeds) if seeds.strip().isdigit() else [_int(s, "--seeds") for s in _split(seeds) or []]
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
    from benchbench.report.html import render_html

    atomic_write_text(run_dir / "report.html", render_html(runs, title=f"benchbench: {title}"))
    return text


@main.command()
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
        _check_writable(output)
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


@main.command(name="list")
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


@main.command()
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

    _check_writable(output)
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


def _check_writable(path: Path) -> None:
    """Refuse an output that cannot be written before any work is done."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UserError(f"{path} is a directory; give a file name")
    if not folder.is_dir():
        raise UserError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(f"cannot write {path}: permission denied")


@main.command()
@click.option("--families", default="wgan-gp,began", show_default=True)
@click.option("--datasets", default="mnist", show_default=True)
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--width", type=float, default=0.25, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--repeats", type=click.IntRange(min=1), default=7, show_default=True, help="Timed blocks.")
@click.option("--block", type=click.IntRange(min=1), default=5, show_default=True, help="Iterations per block.")
@click.option("--warmup", type=click.IntRange(min=0), default=5, show_default=True)
@click.option("--gpu-options", is_flag=True, help="Also measure channels_last, bf16, torch.compile, CUDA graphs.")
@click.option(
    "--overhead-steps",
    type=click.IntRange(min=0),
    default=40,
    show_default=True,
    help="Steps for the harness-vs-bare-loop comparison (0: skip).",
)
@click.option("--packed", "packed_k", default="", help="Trials at once on the device to measure, e.g. 1,2,4,8.")
@click.option(
    "--packed-steps", type=click.IntRange(min=1), default=30, show_default=True, help="Timed steps per packed trial."
)
@click.option(
    "--trial-steps",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="The trial length behind 'trials per device-hour'.",
)
@click.option(
    "--threads-study",
    is_flag=True,
    help="On a CPU: step time with the chosen thread count, 1 and all cores, alone and beside a busy process.",
)
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Also write the results here.")
@user_errors
def bench(
    families: str,
    datasets: str,
    device: str,
    width: float,
    batch_size: int,
    repeats: int,
    block: int,
    warmup: int,
    gpu_options: bool,
    overhead_steps: int,
    packed_k: str,
    packed_steps: int,
    trial_steps: int,
    threads_study: bool,
    json_path: Path | None,
) -> None:
    """Time one full training iteration per family (median and quartiles), images/s, FLOPs and
    MFU, peak memory, the harness's overhead against a plain loop of the family's step, and
    (--packed) the trials per device-hour with several trials sharing the device."""
    import pandas as pd

    from benchbench.bench import BenchConfig, gpu_variants, run_bench
    from benchbench.datasets import load as load_dataset
    from benchbench.environment import resolve_device
    from benchbench.families import FAMILIES

    if json_path:
        _check_writable(json_path)
    family_names, dataset_names = _split(families) or [], _split(datasets) or []
    for name in family_names:
        FAMILIES.get(name)
    for name in dataset_names:
        load_dataset(name)
    if width <= 0:
        raise UserError("--width must be positive")
    torch_device = resolve_device(device)
    if gpu_options and torch_device.type != "cuda":
        raise UserError("--gpu-options needs --device cuda")
    config = BenchConfig(width=width, batch_size=batch_size, warmup=warmup, repeats=repeats, block=block)
    variants = gpu_variants() if gpu_options else {"plain": {}}
    ks = tuple(_int(k, "--packed") for k in _split(packed_k) or [])
    if any(k < 1 for k in ks):
        raise UserError("--packed takes positive numbers of trials, e.g. 1,2,4,8")
    report = run_bench(
        family_names,
        dataset_names,
        torch_device,
        config,
        variants,
        overhead_steps or None,
        ks,
        packed_steps,
        trial_steps,
        threads_study,
    )
    columns = [
        "family",
        "dataset",
        "variant",
        "median_ms",
        "p25_ms",
        "p75_ms",
        "images_per_second",
        "flops_per_iteration",
        "flops_method",
        "achieved_tflops",
        "mfu",
        "peak_memory_mb",
        "error",
    ]
    table = pd.DataFrame(report["results"])
    click.echo(
        f"device: {report['device']['name']} ({report['device']['type']}, {report['device']['threads']} threads)"
    )
    click.echo(table[[c for c in columns if c in table]].to_markdown(index=False, floatfmt=".4g"))
    if report["overhead"]:
        click.echo("\nharness overhead (trainer loop / bare PyTorch loop, same steps):")
        click.echo(pd.DataFrame(report["overhead"]).to_markdown(index=False, floatfmt=".4g"))
    if report["threads"]:
        click.echo("\nthreads (ms per step):")
        click.echo(pd.DataFrame(report["threads"]).to_markdown(index=False, floatfmt=".4g"))
    if report["packed"]:
        click.echo("\ntrials sharing the device (each its own process):")
        click.echo(pd.DataFrame(report["packed"]).to_markdown(index=False, floatfmt=".4g"))
    if json_path:
        from benchbench.results import write_json

        write_json(json_path, report)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Baseline JSON to write.")
@user_errors
def baseline(run_dir: Path, output: Path) -> None:
    """Write a baseline (per family and dataset: metrics with their seed spread, throughput,
    hardware and software) from RUN_DIR, for `benchbench check`."""
    from benchbench.gate import make_baseline
    from benchbench.report import load_runs
    from benchbench.results import write_json

    _check_writable(output)
    write_json(output, make_baseline(load_runs([run_dir])))
    click.echo(f"baseline written to {output}")


@main.command(name="check")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path), required=True)
@click.option(
    "--sigmas",
    type=click.FloatRange(min=0),
    default=3.0,
    show_default=True,
    help="Tolerance in baseline seed standard deviations.",
)
@click.option(
    "--min-change",
    type=click.FloatRange(min=0),
    default=0.02,
    show_default=True,
    help="Smallest tolerance for quality metrics, relative to the baseline mean.",
)
@click.option(
    "--speed-change",
    type=click.FloatRange(min=0),
    default=0.20,
    show_default=True,
    help="Smallest tolerance for throughput, relative to the baseline mean.",
)
@user_errors
def check_command(run_dir: Path, baseline_path: Path, sigmas: float, min_change: float, speed_change: float) -> None:
    """Compare RUN_DIR with a baseline. Exit 0: no regression; 1: a regression; 2: bad input,
    including a run that shares no entry with the baseline (another suite, not a regression)."""
    from benchbench.gate import Rule, check, format_table
    from benchbench.report import load_runs
    from benchbench.results import read_json

    try:
        reference = read_json(baseline_path)
    except FileNotFoundError:
        raise UserError(f"baseline {baseline_path} does not exist") from None
    except ValueError:
        raise UserError(f"baseline {baseline_path} is not valid JSON") from None
    table, passed = check(load_runs([run_dir]), reference, Rule(sigmas, min_change, speed_change))
    click.echo(format_table(table))
    click.echo("PASS: no regression against the baseline" if passed else "FAIL: regression against the baseline")
    sys.exit(0 if passed else 1)


@main.command(name="eval")
@click.option("--images", "images_spec", help="Generated images: an .npz of uint8 arrays or an image folder.")
@click.option("--trial", "trial_dir", type=click.Path(path_type=Path), help="A trial directory: sample its generator.")
@click.option(
    "--generator",
    type=click.Path(path_type=Path),
    help="A generator state dict (with --family, --dataset), or an ONNX generator (.onnx, with --z-size).",
)
@click.option("--z-size", type=click.IntRange(min=1), help="Noise size of an ONNX generator.")
@click.option(
    "--z-type", default="uniform_0_1", show_default=True, help="Noise of an ONNX generator: normal, unit, uniform_0_1."
)
@click.option("--family", help="The family whose generator --generator holds.")
@click.option("--dataset", help="The dataset --generator was trained on (sets the network shape).")
@click.option("--width", type=float, default=1.0, show_default=True, help="Width the --generator was built with.")
@click.option("--g-norm", default="none", show_default=True, help="Normalisation of the --generator.")
@click.option("--against", help="Reference: DATASET[:SPLIT] (e.g. mnist:test), an .npz or a folder.")
@click.option(
    "--metrics",
    default="fid,kid,is,prc",
    show_default=True,
    help="Any of fid, kid, is, prc, swd (ProGAN's multi-scale SWD, on pixels).",
)
@click.option("--extractor", help="Feature extractor [default: the reference dataset's, else inception-v3-compat].")
@click.option("--num-samples", type=click.IntRange(min=2), default=10000, show_default=True)
@click.option("--resolution", type=int, help="Resize folder images to this size.")
@click.option("--device", default="auto", show_default=True)
@user_errors
def eval_command(
    images_spec: str | None,
    trial_dir: Path | None,
    generator: Path | None,
    z_size: int | None,
    z_type: str,
    family: str | None,
    dataset: str | None,
    width: float,
    g_norm: str,
    against: str | None,
    metrics: str,
    extractor: str | None,
    num_samples: int,
    resolution: int | None,
    device: str,
) -> None:
    """Metrics of generated images against a reference, printed as JSON with their provenance."""
    import torch

    from benchbench.environment import resolve_device
    from benchbench.evaluate import check_split, evaluate, load_images
    from benchbench.training.sampling import sample_generator, sample_onnx, sample_trial

    if against:
        check_split(against)
    sources = [s for s in (images_spec, trial_dir, generator) if s is not None]
    if len(sources) != 1:
        raise UserError("give exactly one of --images, --trial or --generator")
    fake = None
    names = {"is": "isc"}
    wanted = tuple(names.get(m, m) for m in _split(metrics) or [])
    if trial_dir is not None:
        _, array = sample_trial(trial_dir, num_samples)
        fake = torch.from_numpy(array)
        against = against or _trial_dataset(trial_dir)
    elif generator is not None and generator.suffix == ".onnx":
        if not z_size:
            raise UserError("an ONNX --generator needs --z-size")
        fake = sample_onnx(generator, num_samples, z_size, z_type)
    elif generator is not None:
        if not family or not dataset:
            raise UserError("--generator needs --family and --dataset")
        fake = sample_generator(generator, family, dataset, num_samples, width, g_norm)
        against = against or dataset
    elif not Path(str(images_spec)).is_dir():
        fake, _ = load_images(str(images_spec))
    if not against:
        raise UserError("--against is needed with --images (e.g. --against mnist:test)")
    if fake is None:  # a folder: read it at the reference's size and channels
        real, described = load_images(against, resolution=resolution)
        fake, _ = load_images(str(images_spec), like=real, resolution=resolution)
    else:
        real, described = load_images(against, like=fake, resolution=resolution)
    fake = fake[:num_samples]
    name = extractor or _default_extractor(against)
    click.echo(
        f"scoring {len(fake)} images against {len(real)} of {described} ({', '.join(_split(metrics) or [])}; {name})",
        err=True,
    )
    result = evaluate(fake, real, wanted, name, resolve_device(device), described)
    click.echo(json.dumps(result, indent=2))


def _trial_dataset(trial_dir: Path) -> str:
    from benchbench.results import read_json

    return str(read_json(trial_dir / "config.json")["dataset"])


def _default_extractor(against: str) -> str:
    from benchbench.datasets import DATASETS
    from benchbench.datasets import load as load_dataset

    name = against.rpartition(":")[0] if against.rpartition(":")[2] in ("train", "validation", "test") else against
    if name.partition(":")[0] in DATASETS and not name.endswith(".npz"):
        return load_dataset(name).extractor or "inception-v3-compat"
    return "inception-v3-compat"


if __name__ == "__main__":
    main()
