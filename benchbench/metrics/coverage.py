"""Density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for
Generative Models"), as the authors' package `prdc` computes them, on the features precision and
recall use, with their k = 5. Density: how many real neighbourhoods (each real sample's ball out
to its k-th nearest real neighbour) hold each generated sample, over k; it is not capped at 1
and is robust to real outliers. Coverage: the share of real neighbourhoods that hold at least
one generated sample. Pairwise distances cost N^2 memory, so at most MAX_SAMPLES of each side
are used (a seeded draw, recorded). The nearest-neighbour work is shared and the real side's
done once per reference (metrics/neighbours.py); prdc stays the reference in the tests."""

from __future__ import annotations

import torch

from benchbench.metrics import neighbours

NEAREST_K = neighbours.DC_K
MAX_SAMPLES = neighbours.DC_MAX_SAMPLES


def density_coverage(fake: torch.Tensor, real: torch.Tensor) -> dict[str, float]:
    return neighbours.density_coverage(fake, real, neighbours.real_radii(real))
