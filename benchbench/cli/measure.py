"""Commands that measure outside a suite: bench (the training step's speed) and eval (metrics of
any generated images against a reference)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from benchbench.cli.common import check_writable, parse_int, split_list, user_errors, valued
from benchbench.errors import UserError


@click.command()
@click.option("--families", default="wgan-gp,began", show_default=True)
@click.option("--datasets", default="mnist", show_default=True)
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--width", type=float, default=0.25, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@valued("--repeats", click.IntRange(min=1), 7, "Timed blocks.")
@valued("--block", click.IntRange(min=1), 5, "Iterations per block.")
@click.option("--warmup", type=click.IntRange(min=0), default=5, show_default=True)
@click.option("--gpu-options", is_flag=True, help="Also measure channels_last, bf16, torch.compile, CUDA graphs.")
@valued("--overhead-steps", click.IntRange(min=0), 40, "Steps for the harness-vs-bare-loop comparison (0: skip).")
@click.option("--packed", "packed_k", default="", help="Trials at once on the device to measure, e.g. 1,2,4,8.")
@valued("--packed-steps", click.IntRange(min=1), 30, "Timed steps per packed trial.")
@valued("--trial-steps", click.IntRange(min=1), 1000, "The trial length behind 'trials per device-hour'.")
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

    from benchbench.bench import BenchConfig, gpu_variants, run_bench
    from benchbench.datasets import load as load_dataset
    from benchbench.environment import resolve_device
    from benchbench.families import FAMILIES

    if json_path:
        check_writable(json_path)
    family_names, dataset_names = split_list(families) or [], split_list(datasets) or []
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
    ks = tuple(parse_int(k, "--packed") for k in split_list(packed_k) or [])
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
    _print_bench(report)
    if json_path:
        from benchbench.results import write_json

        write_json(json_path, report)


def _print_bench(report: dict) -> None:
    import pandas as pd

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


@click.command(name="eval")
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
    default=None,
    help="Metric names as in the catalogue (docs/metrics.md): fid, kid, is, precision, recall, classes, fid_infinity, density, "
    "coverage, pyramid_swd (ProGAN's multi-scale SWD, on pixels) [default: fid, kid, is, classes, precision, recall, "
    "those the extractor serves].",
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
    metrics: str | None,
    extractor: str | None,
    num_samples: int,
    resolution: int | None,
    device: str,
) -> None:
    """Metrics of generated images against a reference, printed as JSON with their provenance."""
    import torch

    from benchbench.environment import resolve_device
    from benchbench.metrics.catalog import image_request
    from benchbench.metrics.extractors import EXTRACTORS
    from benchbench.metrics.standalone import check_split, default_extractor, evaluate, load_images
    from benchbench.results import read_json
    from benchbench.training.sampling import sample_generator, sample_onnx, sample_trial

    if against:
        check_split(against)
    sources = [s for s in (images_spec, trial_dir, generator) if s is not None]
    if len(sources) != 1:
        raise UserError("give exactly one of --images, --trial or --generator")
    fake = None
    if trial_dir is not None:
        _, array = sample_trial(trial_dir, num_samples)
        fake = torch.from_numpy(array)
        against = against or str(read_json(trial_dir / "config.json")["dataset"])
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
    name = extractor or default_extractor(against)
    wanted, warnings = image_request(split_list(metrics) if metrics is not None else None, EXTRACTORS.get(name))
    for warning in warnings:
        click.echo(f"--metrics {warning}", err=True)
    click.echo(f"scoring {len(fake)} images against {len(real)} of {described} ({', '.join(wanted)}; {name})", err=True)
    result = evaluate(fake, real, wanted, name, resolve_device(device), described)
    click.echo(json.dumps(result, indent=2))
