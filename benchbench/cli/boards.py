"""Commands for generators trained elsewhere and for leaderboards: load, leaderboard add/build."""

from __future__ import annotations

from pathlib import Path

import click

from benchbench.cli.common import user_errors
from benchbench.errors import UserError


def _output_range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise UserError(f"--output-range must be LOW,HIGH (e.g. -1,1), got {text!r}") from None
    if not high > low:
        raise UserError(f"--output-range {text!r}: HIGH must exceed LOW")
    return low, high


@click.command(name="load")
@click.argument("generator", type=click.Path(path_type=Path))
@click.option("--dataset", required=True, help="The reference: a dataset name (its test split scores the generator).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="The run directory to write.")
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True, help="Sampling seeds (trials).")
@click.option("--name", help="The entry's name in reports and boards [default: the file's stem].")
@click.option("--z-size", type=click.IntRange(min=1), help="Noise size of a .pt2, .pt or .onnx generator.")
@click.option("--z-type", default="normal", show_default=True, help="Noise: normal, uniform (0..1), unit.")
@click.option(
    "--output-range", default="-1,1", show_default=True, help="Range of float outputs (uint8 is taken as is)."
)
@click.option("--family", help="The registered family whose generator a state dict holds.")
@click.option("--width", type=float, default=1.0, show_default=True, help="Width a --family generator was built with.")
@click.option("--g-norm", default="none", show_default=True, help="Normalisation of a --family generator.")
@click.option("--final-samples", type=click.IntRange(min=2), default=10000, show_default=True)
@click.option("--extractor", help="Feature extractor [default: the dataset's].")
@click.option("--device", default="auto", show_default=True)
@user_errors
def load_command(
    generator: Path,
    dataset: str,
    out: Path,
    seeds: int,
    name: str | None,
    z_size: int | None,
    z_type: str,
    output_range: str,
    family: str | None,
    width: float,
    g_norm: str,
    final_samples: int,
    extractor: str | None,
    device: str,
) -> None:
    """Score a generator trained elsewhere as a run: one trial per sampling seed, scored as a
    trained trial's final generator is, into a run directory for report, check and leaderboard."""
    from benchbench.environment import resolve_device
    from benchbench.loaded import open_generator, score_loaded
    from benchbench.training.trial import Settings

    opened = open_generator(generator, z_size, z_type, _output_range(output_range), family, dataset, width, g_norm)
    settings = Settings(final_samples=final_samples, extractor=extractor, final_extractors=[])
    say = lambda text: click.echo(text, err=True)  # noqa: E731
    summaries = score_loaded(opened, dataset, out, seeds, name, settings, resolve_device(device), say)
    primary = summaries[0]["primary_metric"]
    values = ", ".join(f"{s['final']['metrics'][primary]:.4g}" for s in summaries)
    click.echo(f"{opened.form} {generator.name} ({opened.digest[:19]}): {primary} {values} at seeds 0..{seeds - 1}")
    click.echo(f"wrote {out} (benchbench report {out}; benchbench leaderboard add {out} --into BOARD)")
