"""2-D toy distributions, generated exactly as in the WGAN-GP authors' gan_toy.py.

Gulrajani et al. 2017, github.com/igul222/improved_wgan_training/blob/master/gan_toy.py:
8gaussians: centres on a circle of radius 2, std 0.02, then divided by 1.414;
25gaussians: grid {-4,-2,0,2,4}^2, std 0.05, then divided by 2.828;
swissroll: sklearn's make_swiss_roll(noise=0.25), coordinates (x, z), divided by 7.5.
The data are drawn once from a fixed data seed, so every trial sees the same distribution.
"""

from __future__ import annotations

import math

import torch

from benchbench.datasets.base import Dataset

SIZES = {"train": 100_000, "validation": 10_000, "test": 10_000}


def _mixture(name: str, centres: torch.Tensor, std: float, scale: float, seed: int) -> Dataset:
    rng = torch.Generator().manual_seed(seed)
    splits = {}
    for split, n in SIZES.items():
        which = torch.randint(len(centres), (n,), generator=rng)
        splits[split] = (centres[which] + std * torch.randn(n, 2, generator=rng)) / scale
    return Dataset(
        name=name,
        kind="points",
        splits=splits,
        arch="mlp",
        modes=centres / scale,
        mode_std=std / scale,
    )


def eight_gaussians(data_seed: int = 0) -> Dataset:
    angles = torch.arange(8, dtype=torch.float64) * (math.pi / 4)
    centres = 2.0 * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1).float()
    return _mixture("8gaussians", centres, 0.02, 1.414, data_seed)


def twenty_five_gaussians(data_seed: int = 0) -> Dataset:
    grid = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    centres = torch.cartesian_prod(grid, grid)
    return _mixture("25gaussians", centres, 0.05, 2.828, data_seed)


def swiss_roll(data_seed: int = 0) -> Dataset:
    """sklearn.datasets.make_swiss_roll's formula, written out to avoid the dependency."""
    rng = torch.Generator().manual_seed(data_seed)
    splits = {}
    for split, n in SIZES.items():
        t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=rng, dtype=torch.float64))
        height = 21 * torch.rand(n, generator=rng, dtype=torch.float64)
        xyz = torch.stack([t * torch.cos(t), height, t * torch.sin(t)], dim=1)
        xyz += 0.25 * torch.randn(n, 3, generator=rng, dtype=torch.float64)
        splits[split] = (xyz[:, [0, 2]] / 7.5).float()
    return Dataset(name="swissroll", kind="points", splits=splits, arch="mlp")
