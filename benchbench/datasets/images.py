"""Image data a user already has on disk: a folder of images, CIFAR-10 and CelebA.

Nothing here downloads: a missing dataset is a clear error that says where it was looked for.
Images are centre-cropped to a square, resized to `resolution` and held in memory as uint8.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from benchbench.datasets.base import Dataset, split_off
from benchbench.errors import UserError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff"}


def _arch_for(resolution: int) -> str:
    return "infogan28" if resolution == 28 else "dcgan"


def _check_resolution(resolution: int) -> None:
    if resolution != 28 and (resolution < 16 or resolution & (resolution - 1)):
        raise UserError(f"resolution {resolution} is not supported: use 28 or a power of two >= 16")


def to_tensor(image: Image.Image, resolution: int, channels: int, crop: int | None = None) -> torch.Tensor:
    """Centre-crop (to `crop`, else to the short side), resize, and return C x H x W uint8."""
    image = image.convert("L" if channels == 1 else "RGB")
    side = crop or min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    image = image.resize((resolution, resolution), Image.Resampling.BICUBIC)
    array = np.asarray(image, dtype=np.uint8).reshape(resolution, resolution, channels)
    return torch.from_numpy(array.copy()).permute(2, 0, 1)


def _load_files(paths: Iterable[Path], resolution: int, channels: int, crop: int | None = None) -> torch.Tensor:
    tensors = []
    for path in paths:
        try:
            with Image.open(path) as image:
                tensors.append(to_tensor(image, resolution, channels, crop))
        except (UnidentifiedImageError, OSError) as error:
            raise UserError(f"cannot read image {path}: {error}") from None
    return torch.stack(tensors)


def image_folder(path: str, resolution: int = 32, channels: int = 3, data_seed: int = 0) -> Dataset:
    """Every image below `path`. Splits: `train/`, `validation/`, `test/` subfolders when present,
    else a fixed shuffle holding out 10% for validation and 10% for test."""
    _check_resolution(resolution)
    root = Path(path).expanduser()
    if not root.is_dir():
        raise UserError(f"image folder {root} does not exist")

    def files(folder: Path) -> list[Path]:
        return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)

    if all((root / split).is_dir() for split in ("train", "validation", "test")):
        splits = {split: files(root / split) for split in ("train", "validation", "test")}
        if not all(splits.values()):
            raise UserError(f"image folder {root}: a split folder holds no images")
        tensors = {split: _load_files(paths, resolution, channels) for split, paths in splits.items()}
    else:
        paths = files(root)
        if len(paths) < 3:
            raise UserError(f"image folder {root} holds {len(paths)} images; at least 3 are needed")
        tensors = split_off(_load_files(paths, resolution, channels), (0.1, 0.1), data_seed)
    return Dataset(
        name=f"folder:{root}",
        kind="image",
        splits=tensors,
        arch=_arch_for(resolution),
        extractor="inception-v3-compat",
    )


def cifar10(root: str = "~/.cache/benchbench/data", n_validation: int = 5000) -> Dataset:
    """CIFAR-10 as torchvision stores it (download it there yourself; nothing is fetched here).
    Train: the first 45,000 training images; validation: the last 5,000; test: the 10,000 test images."""
    from torchvision.datasets import CIFAR10

    root = str(Path(root).expanduser())
    try:
        train = CIFAR10(root, train=True, download=False)
        test = CIFAR10(root, train=False, download=False)
    except RuntimeError as error:
        raise UserError(
            f"CIFAR-10 not found under {root} ({error}); fetch it once with "
            f"torchvision.datasets.CIFAR10({root!r}, download=True) on a machine with internet"
        ) from None
    train_x = torch.from_numpy(np.asarray(train.data)).permute(0, 3, 1, 2).contiguous()
    test_x = torch.from_numpy(np.asarray(test.data)).permute(0, 3, 1, 2).contiguous()
    cut = len(train_x) - n_validation
    return Dataset(
        name="cifar10",
        kind="image",
        splits={"train": train_x[:cut], "validation": train_x[cut:], "test": test_x},
        arch="dcgan",
        extractor="inception-v3-compat",
    )


def celeba(
    root: str = "~/.cache/benchbench/data", resolution: int = 64, crop: int = 108, limit: int | None = None
) -> Dataset:
    """CelebA (aligned) as torchvision lays it out: `celeba/img_align_celeba/*.jpg` and
    `celeba/list_eval_partition.txt`, whose official train/valid/test partition is used.
    Centre crop 108 then resize, as in the DCGAN and BEGAN CelebA setups; `limit` caps each split."""
    _check_resolution(resolution)
    base = Path(root).expanduser() / "celeba"
    partition = base / "list_eval_partition.txt"
    images = base / "img_align_celeba"
    if not partition.is_file() or not images.is_dir():
        raise UserError(f"CelebA not found: expected {partition} and {images}/ (download it yourself)")
    names: dict[str, list[Path]] = {"train": [], "validation": [], "test": []}
    split_of = {"0": "train", "1": "validation", "2": "test"}
    for line in partition.read_text().split("\n"):
        fields = line.split()
        if len(fields) == 2 and fields[1] in split_of:
            names[split_of[fields[1]]].append(images / fields[0])
    if not all(names.values()):
        raise UserError(f"{partition} does not list images for all of train, validation and test")
    splits = {split: _load_files(paths[:limit], resolution, 3, crop) for split, paths in names.items()}
    return Dataset(
        name="celeba",
        kind="image",
        splits=splits,
        arch="dcgan",
        extractor="inception-v3-compat",
    )
