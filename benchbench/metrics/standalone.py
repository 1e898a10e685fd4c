"""Scoring images from outside a run (`benchbench eval`): metrics of any set of generated images
against a reference, with provenance, through the same scorer path a trial's evaluation takes.

Inputs: a trial directory (its generator is sampled), a generator state dict with `--family`,
an .npz of uint8 images (N x C x H x W, or N x H x W x C), or a folder of images. References: a
dataset split (`mnist:test`, `folder:/data:validation`), an .npz, or a folder.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

import benchbench.datasets as datasets
from benchbench.datasets.base import SPLITS
from benchbench.datasets.images import image_folder
from benchbench.errors import UserError
from benchbench.metrics.cache import cached_features
from benchbench.metrics.catalog import EXTRACTOR_NEEDS, METRICS
from benchbench.metrics.images import ImageScorer
from benchbench.metrics.swd import sliced_wasserstein_images


def read_npz(path: Path) -> torch.Tensor:
    """uint8 images from an .npz: the array named `images`, or its only array."""
    if not zipfile.is_zipfile(path):  # numpy would read it as a pickle, and advise unpickling it
        raise UserError(f"{path} is not an .npz archive (numpy.savez writes one)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.keys())
            name = "images" if "images" in names else (names[0] if len(names) == 1 else None)
            if name is None:
                raise UserError(f"{path} holds {names}; name the image array `images`")
            array = archive[name]
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise UserError(f"{path} is not a readable .npz ({error})") from None
    return _as_images(array, str(path))


def _as_images(array: np.ndarray, source: str) -> torch.Tensor:
    if array.dtype != np.uint8:
        raise UserError(f"{source}: images must be uint8, got {array.dtype}")
    if array.ndim == 3:
        array = array[:, None]
    if array.ndim != 4:
        raise UserError(f"{source}: images must be N x C x H x W, got shape {array.shape}")
    if array.shape[1] not in (1, 3) and array.shape[3] in (1, 3):
        array = array.transpose(0, 3, 1, 2)
    if array.shape[1] not in (1, 3):
        raise UserError(f"{source}: images must have 1 or 3 channels, got shape {array.shape}")
    return torch.from_numpy(np.ascontiguousarray(array))


def load_images(
    spec: str, like: torch.Tensor | None = None, resolution: int | None = None, split_default: str = "test"
) -> tuple[torch.Tensor, str]:
    """(uint8 images, a description) from an .npz, a folder, or `dataset[:argument]:split`.
    A folder is read at the size and channel count of `like` when given."""
    path = Path(spec)
    if spec.endswith(".npz"):
        if not path.is_file():
            raise UserError(f"{spec} does not exist")
        return read_npz(path), spec
    if path.is_dir():
        size = resolution or (like.shape[-1] if like is not None else 32)
        channels = like.shape[1] if like is not None else 3
        data = image_folder(str(path), resolution=size, channels=channels, data_seed=0)
        return torch.cat([data.splits[s] for s in SPLITS]), spec
    check_split(spec)
    name, _, split = spec.rpartition(":")
    if split not in SPLITS:
        name, split = spec, split_default
    data = datasets.load(name)
    if data.kind != "image":
        raise UserError(f"{name} holds points, not images")
    return data.reference(split), f"{name}:{split}"


def check_split(spec: str) -> None:
    """`mnist:tset` is a typo of a split, not a dataset argument: say so before any work."""
    name, _, split = spec.rpartition(":")
    if name in datasets.DATASETS and name not in datasets.TAKES_ARGUMENT and split not in SPLITS:
        raise UserError(f"{spec}: unknown split {split!r} (splits: {', '.join(SPLITS)})")


def evaluate(
    fake: torch.Tensor, real: torch.Tensor, metrics: tuple[str, ...], extractor: str, device: torch.device, split: str
) -> dict[str, Any]:
    """{"metrics": ..., provenance...} of uint8 images against reference images."""
    if fake.shape[1:] != real.shape[1:]:
        raise UserError(f"generated images are {tuple(fake.shape[1:])} but the reference is {tuple(real.shape[1:])}")
    for name in metrics:
        if METRICS.get(name).needs not in (*EXTRACTOR_NEEDS, "pixels"):
            raise UserError(f"{name} is computed from {METRICS.get(name).needs}, not from images alone")
    feature_metrics = tuple(m for m in metrics if METRICS.get(m).needs in EXTRACTOR_NEEDS)
    values: dict[str, float] = {}
    provenance: dict[str, Any] = {
        "extractor": "none",
        "extractor_weights": "none",
        "n_fake": len(fake),
        "n_real": len(real),
        "split": split,
    }
    if feature_metrics:
        scorer = ImageScorer(extractor, device)
        scorer.check_metrics(feature_metrics)
        values, provenance = scorer.measure(fake, cached_features(scorer, real), feature_metrics, split)
    if "pyramid_swd" in metrics:  # ProGAN's multi-scale SWD works on pixels: no feature network is loaded for it
        values.update(sliced_wasserstein_images(fake, real))
    return {"metrics": values, **provenance}


def default_extractor(against: str) -> str:
    """The reference dataset's own extractor, else Inception (an .npz or a folder)."""
    name = against.rpartition(":")[0] if against.rpartition(":")[2] in SPLITS else against
    if name.partition(":")[0] in datasets.DATASETS and not name.endswith(".npz"):
        return datasets.load(name).extractor or "inception-v3-compat"
    return "inception-v3-compat"


__all__ = ["default_extractor", "evaluate", "load_images", "read_npz"]
