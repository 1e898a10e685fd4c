"""The tiny problems the family contract is checked on (a ring or blob of 2-D points, bright
squares, their negatives as a domain pair) and a family stepped on them as the trainer steps it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

from benchbench.datasets.base import Dataset
from benchbench.datasets.pairs import DomainPair
from benchbench.errors import UserError
from benchbench.families import Family
from benchbench.nets import NetSpec
from benchbench.training import speed
from benchbench.training.batches import real_batches
from benchbench.training.checkpoints import CheckpointStore
from benchbench.training.state import TrialState
from benchbench.training.trainer import seed_everything
from benchbench.training.trial import Settings

CPU = torch.device("cpu")
BATCH = 32
STEPS = 4  # steps before and after the halfway checkpoint
LEARNING_STEPS = {"points": 400, "image": 150, "image-pair": 100}
LEARNING_LR = 1e-3  # for a family with an `lr` setting, so that a few hundred steps suffice
CONTRACT = "check-family"  # the configuration a contract checkpoint is written and resumed under


# -- tiny problems ------------------------------------------------------------------------------


def _ring_points(n: int, seed: int) -> torch.Tensor:
    """gan_toy.py's 8 gaussians (a ring of radius 1.41): a generator that starts near the origin
    must spread out to it. (Not one offset blob: a discriminator with batch norm normalises
    each batch's mean away, so it cannot see an offset.)"""
    rng = torch.Generator().manual_seed(seed)
    angles = torch.randint(8, (n,), generator=rng).double() * (math.pi / 4)
    centres = torch.stack([angles.cos(), angles.sin()], dim=1).float() * 2.0
    return (centres + 0.02 * torch.randn(n, 2, generator=rng)) / 1.414


def _blob_points(n: int, seed: int) -> torch.Tensor:
    """One Gaussian away from the origin: a generator must move there (BEGAN's autoencoder on
    points learns a location where it cannot spread to a ring)."""
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed)) * 0.1 + torch.tensor([1.5, -1.0])


# The 2-D targets of the learning check: a family passes by learning either.
POINT_TARGETS = {"8 gaussians": _ring_points, "an offset Gaussian": _blob_points}


def _bright_squares(n: int, seed: int) -> torch.Tensor:
    """28 x 28 grey images: a bright 10 x 10 square near the centre on a dark background."""
    rng = torch.Generator().manual_seed(seed)
    images = torch.full((n, 1, 28, 28), 20, dtype=torch.uint8)
    offsets = torch.randint(7, 12, (n, 2), generator=rng)
    for image, (row, col) in zip(images, offsets.tolist()):
        image[:, row : row + 10, col : col + 10] = 230
    return images


def tiny_problem(kind: str, target: str = "8 gaussians") -> tuple[Dataset, NetSpec]:
    """A dataset and the networks for it, small enough that a step takes milliseconds."""
    if kind == "points":
        draw = POINT_TARGETS[target]
        splits = {s: draw(n, i) for i, (s, n) in enumerate([("train", 2000), ("validation", 500), ("test", 500)])}
        return Dataset("check-ring", "points", splits, "mlp"), NetSpec("mlp", (2,), 2, 0.0625)
    splits = {s: _bright_squares(n, i) for i, (s, n) in enumerate([("train", 512), ("validation", 128), ("test", 128)])}
    if kind == "image":
        return Dataset("check-squares", "image", splits, "infogan28"), NetSpec("infogan28", (1, 28, 28), 8, 0.0625)
    if kind == "image-pair":  # translate the negatives of the squares into the squares
        sources = {s: 255 - x.flip(0) for s, x in splits.items()}
        pair = DomainPair("check-pair", "image", splits, "infogan28", source_splits=sources)
        return pair, NetSpec("infogan28", (1, 28, 28), 64, 0.0625, source_shape=(1, 28, 28))
    raise UserError(f"unknown kind of data {kind!r} (known: points, image, image-pair)")


# -- running a family as the trainer does -------------------------------------------------------


class Session:
    """A family on a tiny problem, stepped on the trainer's own path: seeded as a trial is, its
    step set up by the trainer's step settings (speed.apply), real batches drawn, laid out and
    placed by the trainer's batch source, told its budget progress before each step, and
    checkpointed through the trainer's CheckpointStore."""

    def __init__(
        self,
        cls: type[Family],
        kind: str,
        seed: int,
        config: dict[str, Any],
        total: int,
        init_seed: int | None = None,
        target: str = "8 gaussians",
    ) -> None:
        self.dataset, self.nets = tiny_problem(kind, target)
        seed_everything(seed if init_seed is None else init_seed)  # Python's, numpy's and torch's, as the trainer
        self.family = cls(self.nets, config, CPU)
        self.family.use_dataset(self.dataset)
        settings = Settings(batch_size=BATCH)
        self.stream = self.dataset.train_batches(BATCH, seed)
        self.train_step = speed.apply(self.family, settings, CPU, self.dataset.kind == "image")
        self.real = real_batches(self.dataset, self.stream, self.family, settings, CPU)
        self.total, self.done = total, 0

    def step(self) -> dict[str, Any]:
        self.family.budget_progress(self.done / self.total)
        logs = self.train_step(self.real)
        self.done += 1
        return logs

    def checkpoint(self, folder: Path) -> None:
        CheckpointStore(folder, CONTRACT, CPU).save(self.family, self.stream, TrialState())

    def resume(self, folder: Path, done: int) -> None:
        CheckpointStore(folder, CONTRACT, CPU).resume(self.family, self.stream)
        self.done = done
