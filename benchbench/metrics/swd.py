"""Sliced Wasserstein distance between image sets over a Laplacian pyramid: the multi-scale
statistical similarity of Karras et al. 2018 (Sec. 5, App. D; the authors' sliced_wasserstein.py).

Each level of a Laplacian pyramid (from the image's resolution down to 16 x 16) gives 128 random
7 x 7 neighbourhoods per image; descriptors are normalised per colour channel with the mean and
standard deviation of that level's descriptors (each set on its own, as the authors' code does), and the
distance is the mean, over 4 repeats of 128 random unit directions, of the 1-D Wasserstein-1
distance between the sorted projections. Reported x 1e3 per level (pyramid_swd_32,
pyramid_swd_16, ...) and as their average (pyramid_swd; "pyramid" tells it from the 2-D toy SWD).
On 2 CPU cores 2,048 images per side take ~20 s (the sort dominates), so it is opt-in for trials. Images whose side is not a power of two are edge-padded up to one first.
Both sets are cut to the same size (the smaller), as the sorted-projection distance requires.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

_KERNEL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
_KERNEL = torch.outer(_KERNEL, _KERNEL) / 256.0


def _blur(x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    c = x.shape[1]
    kernel = (_KERNEL * gain).to(x).expand(c, 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), kernel, groups=c)


def laplacian_pyramid(images: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """Band-pass levels, finest first; the last level is the low-pass residual."""
    pyramid, current = [], images
    for _ in range(levels - 1):
        down = _blur(current)[:, :, ::2, ::2]
        up = torch.zeros_like(current)
        up[:, :, ::2, ::2] = down
        pyramid.append(current - _blur(up, gain=4.0))
        current = down
    return pyramid + [current]


def _descriptors(level: torch.Tensor, per_image: int, size: int, rng: torch.Generator) -> torch.Tensor:
    n, c, h, w = level.shape
    ys = torch.randint(h - size + 1, (n, per_image), generator=rng)
    xs = torch.randint(w - size + 1, (n, per_image), generator=rng)
    patches = level.unfold(2, size, 1).unfold(3, size, 1)  # n, c, H', W', size, size
    picked = patches[torch.arange(n)[:, None], :, ys, xs]  # n, per_image, c, size, size
    picked = picked.reshape(n * per_image, c, size, size)
    mean = picked.mean(dim=(0, 2, 3), keepdim=True)
    std = picked.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-8)
    return ((picked - mean) / std).flatten(1)


def _sliced(a: torch.Tensor, b: torch.Tensor, repeats: int, directions: int, rng: torch.Generator) -> float:
    distances = []
    for _ in range(repeats):
        dirs = torch.randn(a.shape[1], directions, generator=rng)
        dirs /= dirs.norm(dim=0, keepdim=True)
        # numpy's SIMD sort along contiguous rows is the fastest we have; sorting dominates the cost
        pa = np.sort((a @ dirs).T.contiguous().numpy(), axis=1)
        pb = np.sort((b @ dirs).T.contiguous().numpy(), axis=1)
        distances.append(float(np.abs(pa - pb).mean()))
    return sum(distances) / len(distances)


def _to_power_of_two(images: torch.Tensor) -> torch.Tensor:
    side = 2 ** math.ceil(math.log2(max(images.shape[-2:])))
    dh, dw = side - images.shape[-2], side - images.shape[-1]
    if dh or dw:
        images = F.pad(images, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2), mode="replicate")
    return images


def sliced_wasserstein_images(
    fake: torch.Tensor,
    real: torch.Tensor,
    max_images: int = 8192,
    seed: int = 0,
    per_image: int = 128,
    size: int = 7,
    repeats: int = 4,
    directions: int = 128,
) -> dict[str, float]:
    """{"pyramid_swd_<resolution>": x1e3 per level, "pyramid_swd": their mean}, uint8 N x C x H x W sets."""
    n = min(len(fake), len(real), max_images)
    fake, real = (_to_power_of_two(x[:n].float()) for x in (fake, real))
    levels = max(1, int(math.log2(fake.shape[-1])) - 3)  # down to 16 x 16
    rng = torch.Generator().manual_seed(seed)
    out = {}
    for fake_level, real_level in zip(laplacian_pyramid(fake, levels), laplacian_pyramid(real, levels)):
        a = _descriptors(fake_level, per_image, size, rng)
        b = _descriptors(real_level, per_image, size, rng)
        out[f"pyramid_swd_{fake_level.shape[-1]}"] = 1e3 * _sliced(a, b, repeats, directions, rng)
    out["pyramid_swd"] = sum(out.values()) / len(out)
    return out
