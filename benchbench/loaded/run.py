"""A loaded generator scored as a run: one trial per sampling seed, through the same final
scoring a trained trial ends with (training/final.py), into a run directory that `report`,
`check` and `leaderboard add` read like any other.

Each trial's summary says `loaded` (the file, its form, its sha256), has no training budget and
no trajectory, and records what a trained trial records of its scores: the metrics and their
provenance, the floor, the collapse flag, versions and device. Sampling seeds stand in for
training seeds: they give the interval of the score's sampling noise, not of training's, and
the report says so by the division. A rerun into the same folder keeps finished seeds.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

import benchbench.datasets as datasets
from benchbench.environment import device_info, versions
from benchbench.errors import UserError
from benchbench.loaded.entries import LoadedEntry, checked_name, trial_keys
from benchbench.loaded.generators import LoadedGenerator, file_digest, open_generator
from benchbench.metrics.evaluator import Evaluator
from benchbench.results import SCHEMA_VERSION, read_json, write_json
from benchbench.training.final import FinalScorer, peak_memory_mb
from benchbench.training.trial import Settings

BUDGET = "loaded"  # in the budget column: no training budget binds a loaded generator


def entry_name(generator: LoadedGenerator, name: str | None) -> str:
    """The entry's name: as given, else the file's stem, in characters a folder name keeps."""
    return checked_name(name or generator.path.stem, "--name")


def score_loaded(
    generator: LoadedGenerator,
    dataset_spec: str | None,
    out: Path,
    seeds: int = 3,
    name: str | None = None,
    settings: Settings | None = None,
    device: torch.device | None = None,
    say: Any = None,
    own_run: bool = True,
    reference: Path | None = None,
) -> list[dict[str, Any]]:
    """Score `generator` against `dataset_spec`'s test split, or a precomputed `reference` file's
    features, at `seeds` sampling seeds into `out`: a run of its own (`own_run`, its run.json
    written here), or trials of a suite's run."""
    device, settings, label = device or torch.device("cpu"), settings or Settings(), entry_name(generator, name)
    evaluator = _evaluator(dataset_spec, reference, settings, device)
    dataset, scorer = evaluator.dataset, FinalScorer(settings, device)
    dataset_spec = dataset.name if reference is not None else str(dataset_spec)  # the data the reference was made of
    against = {"path": str(reference), "sha256": file_digest(reference)} if reference is not None else None
    _check_shape(generator, generator.sample(2, 0), dataset, dataset_spec)  # before anything is written
    keys = trial_keys(label, dataset_spec, seeds)
    if own_run:
        _prepare(out, label, dataset_spec, generator, keys)
    summaries = []
    for seed, key in enumerate(keys):
        trial_dir = out / key
        done = _finished(trial_dir, generator.digest)
        if done is not None:
            summaries.append(done)
            continue
        if say:
            say(f"{key}: {settings.final_samples} samples at sampling seed {seed}")
        started = time.perf_counter()
        samples = generator.sample(settings.final_samples, seed)
        seconds = {"sampling": time.perf_counter() - started}
        _check_shape(generator, samples, dataset, dataset_spec)
        values, provenance = evaluator.evaluate_samples(samples, "test")
        scored = scorer.finished(samples, {"metrics": values, **provenance}, dataset, evaluator, seconds)
        summary = _summary(key, label, dataset_spec, seed, generator, evaluator, device) | scored
        if against is not None:  # scored against a precomputed reference's features
            summary["loaded"]["reference"] = against
        trial_dir.mkdir(parents=True, exist_ok=True)
        _save_grid(trial_dir / "samples.png", samples[:64])
        summary["peak_memory_mb"] = peak_memory_mb(device)
        write_json(trial_dir / "summary.json", summary)
        summaries.append(summary)
    return summaries


def _evaluator(dataset_spec: str | None, reference: Path | None, settings: Settings, device: Any) -> Evaluator:
    """The evaluator of a dataset's test split, or of a precomputed reference's features."""
    if reference is not None:
        from benchbench.loaded.reference import ReferenceEvaluator

        evaluator = ReferenceEvaluator(reference, device)
        if settings.extractor not in (None, evaluator.extractor):
            raise UserError(f"reference {reference} holds {evaluator.extractor} features, not {settings.extractor}'s")
        return evaluator
    dataset = datasets.load(str(dataset_spec))
    if dataset.kind != "image":
        raise UserError(f"dataset {dataset_spec!r} holds points: loaded generators are scored on image datasets")
    return Evaluator(dataset, settings.extractor, device)


def _check_shape(generator: LoadedGenerator, samples: torch.Tensor, dataset: Any, dataset_spec: str) -> None:
    if tuple(samples.shape[1:]) != tuple(dataset.shape):
        raise UserError(
            f"generator {generator.path} draws {'x'.join(map(str, samples.shape[1:]))} images; dataset "
            f"{dataset_spec!r} holds {'x'.join(map(str, dataset.shape))} (C x H x W): they cannot be compared"
        )


def _prepare(out: Path, label: str, dataset_spec: str, generator: LoadedGenerator, keys: list[str]) -> None:
    run_file = out / "run.json"
    plan = {
        "schema_version": SCHEMA_VERSION,
        "suite": {"name": f"loaded-{label}", "loaded": generator.describe(), "datasets": [dataset_spec]},
        "trials": keys,
    }
    if run_file.exists():
        try:
            previous = read_json(run_file)
        except (OSError, ValueError):
            raise UserError(f"{run_file} is corrupt; choose another --out or remove it") from None
        if not isinstance(previous, dict) or previous.get("trials") != keys:
            raise UserError(f"{out} holds another run; choose another --out")
        if (previous.get("suite") or {}).get("loaded", {}).get("sha256") != generator.digest:
            raise UserError(f"{out} holds the scores of another generator file; choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot write to output directory {out}: {error.strerror or error}") from None
    write_json(run_file, plan)


def _finished(trial_dir: Path, digest: str) -> dict[str, Any] | None:
    path = trial_dir / "summary.json"
    try:
        summary = read_json(path)
    except (OSError, ValueError):
        return None
    return summary if (summary.get("loaded") or {}).get("sha256") == digest else None


def _summary(
    key: str, label: str, dataset_spec: str, seed: int, generator: LoadedGenerator, evaluator: Evaluator, device: Any
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "trial": key,
        "family": label,
        "family_label": label,
        "diagnostics": [],
        "dataset": dataset_spec,
        "seed": seed,
        "setting": 0,
        "variant": "",
        "budget_kind": "none",
        "budget_value": 0,
        "budget": BUDGET,
        "config_hash": generator.digest,
        "status": "completed",
        "loaded": generator.describe() | {"sampling_seed": seed},
        "family_origin": {"source": "loaded", "target": generator.form, "digest": generator.digest},
        "versions": versions(),
        "device": device_info(device) | {"trials_at_once": 1},
        "primary_metric": evaluator.primary,
        "extractor": evaluator.extractor,
        "counters": {"steps": 0},  # no training: no training seconds or images shown
    }


def _save_grid(path: Path, images: torch.Tensor) -> None:
    import io

    from PIL import Image
    from torchvision.utils import make_grid

    from benchbench.results.io import atomic_write_bytes

    grid = make_grid(images, nrow=8, padding=2, pad_value=255).permute(1, 2, 0).numpy()
    buffer = io.BytesIO()
    Image.fromarray(grid.squeeze(-1) if grid.shape[-1] == 1 else grid).save(buffer, format="PNG")
    atomic_write_bytes(path, buffer.getvalue())


def score_entries(entries: list[LoadedEntry], settings: Any, out: Path, device: Any, say: Any) -> list[dict[str, Any]]:
    """Score each entry into `out` (a suite's run directory) with the suite's settings."""
    summaries = []
    for entry in entries:
        generator = open_generator(
            Path(entry.path), entry.z_size, entry.z_type, entry.output_range,
            entry.family, entry.dataset, entry.width, entry.g_norm,
        )  # fmt: skip
        summaries += score_loaded(generator, entry.dataset, out, entry.seeds, entry.name, settings, device, say, False)
    return summaries
