"""Density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for
Generative Models"), computed by the authors' package `prdc` on the features precision and
recall use, with their k = 5. Density: how many real neighbourhoods (each real sample's ball out
to its k-th nearest real neighbour) hold each generated sample, over k; it is not capped at 1
and is robust to real outliers. Coverage: the share of real neighbourhoods that hold at least
one generated sample. Pairwise distances cost N^2 memory, so at most MAX_SAMPLES of each side
are used (a seeded draw, recorded)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import torch

NEAREST_K = 5
MAX_SAMPLES = 5000


def _subsample(features: torch.Tensor, rng: np.random.Generator) -> np.ndarray:
    array = features.double().numpy()
    if len(array) > MAX_SAMPLES:
        array = array[np.sort(rng.choice(len(array), MAX_SAMPLES, replace=False))]
    return array


def density_coverage(fake: torch.Tensor, real: torch.Tensor, seed: int = 0) -> dict[str, float]:
    from prdc import compute_prdc

    rng = np.random.default_rng(seed)
    real_array, fake_array = _subsample(real, rng), _subsample(fake, rng)
    if min(len(real_array), len(fake_array)) <= NEAREST_K + 1:  # prdc reads the (k + 1)-th distance
        return {}
    with contextlib.redirect_stdout(io.StringIO()):  # prdc prints the sample counts
        values = compute_prdc(real_array, fake_array, nearest_k=NEAREST_K)
    return {
        "density": float(values["density"]),
        "coverage": float(values["coverage"]),
        "dc_samples": float(min(len(real_array), len(fake_array))),
    }
