"""Commands for generators trained elsewhere and for leaderboards: load, reference, leaderboard add/build."""

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
@click.option("--dataset", help="The reference: a dataset name (its test split scores the generator).")
@click.option(
    "--reference",
    type=click.Path(path_type=Path),
    help="Or a precomputed reference (`benchbench reference`): a split's features, no images needed.",
)
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
    dataset: str | None,
    reference: Path | None,
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

    if (dataset is None) == (reference is None):
        raise UserError("give the reference as --dataset NAME or as --reference FILE (one of the two)")
    if family is not None and dataset is None:
        raise UserError("a state dict (--family) needs --dataset: it sets the network's shape")
    opened = open_generator(generator, z_size, z_type, _output_range(output_range), family, dataset, width, g_norm)
    settings = Settings(final_samples=final_samples, extractor=extractor, final_extractors=[])
    say = lambda text: click.echo(text, err=True)  # noqa: E731
    device_ = resolve_device(device)
    summaries = score_loaded(opened, dataset, out, seeds, name, settings, device_, say, reference=reference)
    primary = summaries[0]["primary_metric"]
    values = ", ".join(f"{s['final']['metrics'][primary]:.4g}" for s in summaries)
    click.echo(f"{opened.form} {generator.name} ({opened.digest[:19]}): {primary} {values} at seeds 0..{seeds - 1}")
    click.echo(f"wrote {out} (benchbench report {out}; benchbench leaderboard add {out} --into BOARD)")


@click.command(name="reference")
@click.argument("dataset")
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True, help="The reference file to write.")
@click.option("--split", default="test", show_default=True, help="The split whose features it holds.")
@click.option("--extractor", help="Feature extractor [default: the dataset's].")
@user_errors
def reference_command(dataset: str, out: Path, split: str, extractor: str | None) -> None:
    """Write a precomputed reference: DATASET's split in one extractor's features, with what they
    are, for `benchbench load --reference` where the images are not at hand."""
    from benchbench.loaded.reference import write_reference

    described = write_reference(dataset, out, split, extractor)
    click.echo(f"wrote {out}: {described['n']} {dataset} {split} images in {described['extractor']} features")


@click.group(name="leaderboard")
def leaderboard() -> None:
    """A leaderboard that accumulates runs: add them to a board folder, build its site."""


@leaderboard.command(name="add")
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--into", "board", type=click.Path(path_type=Path), required=True, help="The board folder.")
@click.option("--commit", help="The commit the runs were made at [default: CI's variables or git here].")
@click.option("--machine", help="A label for the machine [default: the trials' device].")
@user_errors
def leaderboard_add(runs: tuple[Path, ...], board: Path, commit: str | None, machine: str | None) -> None:
    """Record finished runs (trained or loaded) into BOARD; adding a run twice changes nothing."""
    from benchbench.board import add_run, open_board

    if (board / "records").is_dir():
        open_board(board)  # a board with a corrupt record is refused before anything is added
    for run in runs:  # every run is read before any is recorded: one bad run adds none
        from benchbench.board.records import record_of_run

        record_of_run(run, commit, machine)
    for run in runs:
        path, new = add_run(board, run, commit, machine)
        click.echo(f"{'added' if new else 'already in the board'}: {run} -> {path}")


@leaderboard.command(name="build")
@click.argument("board", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True, help="The site folder to write.")
@click.option(
    "--published",
    "published",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A TOML file of published figures (repeatable) [default: the shipped Lucic et al. 2018 MNIST figures].",
)
@click.option("--no-published", is_flag=True, help="Show no published figures.")
@user_errors
def leaderboard_build(board: Path, out: Path, published: tuple[Path, ...], no_published: bool) -> None:
    """Write BOARD's static site (index.html, a page per entry, leaderboard.json, CSVs) into --out."""
    from benchbench.board import build

    chosen = [] if no_published else (list(published) or None)
    document = build(board, out, chosen)
    entries = sum(len(t["entries"]) for t in document["tables"])
    click.echo(f"wrote {out / 'index.html'}: {len(document['tables'])} tables, {entries} entries")
