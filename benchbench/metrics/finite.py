"""FID-infinity (Chong and Forsyth 2020, "Effectively Unbiased FID and Inception Score and where
to find them"): FID is biased upwards by a finite sample, by an amount that falls as 1/N. Their
`calculate_FID_infinity` (github.com/mchong6/FID_IS_infinity, score_infinity.py) computes FID of
the first N of a shuffle of the generated features for 15 values of N evenly spaced from a tenth
of the samples to all of them, against the whole reference set, fits FID linearly in 1/N and
reads the fit at 1/N = 0. Here the same, with every FID from torch-fidelity, the shuffles
seeded, and the smallest N at least twice the feature dimension (a covariance needs more
samples than dimensions); the line is scipy's least-squares fit.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats
from torch_fidelity.metric_fid import fid_featuresdict_to_statistics, fid_statistics_to_metric

POINTS = 15


def sample_counts(n: int, dim: int, points: int = POINTS) -> np.ndarray:
    """The N at which FID is measured: `points` values from max(n / 10, 2 dim) to n."""
    low = max(n // 10, 2 * dim)
    if low >= n:
        return np.array([], dtype=int)
    return np.linspace(low, n, points).astype(int)


def fid_at(fake: torch.Tensor, real_statistics: dict, layer: str) -> float:
    fake_statistics = fid_featuresdict_to_statistics({layer: fake}, layer)
    return float(
        fid_statistics_to_metric(fake_statistics, real_statistics, verbose=False)["frechet_inception_distance"]
    )


def fid_infinity(
    fake: torch.Tensor, real: torch.Tensor, layer: str = "features", seed: int = 0, real_statistics: dict | None = None
) -> dict[str, float]:
    """{"fid_infinity": the extrapolated FID, "fid_infinity_slope": d FID / d (1/N)}; empty when
    there are too few samples for two counts (n below 2.2 times the feature dimension).
    `real_statistics`: the reference's FID statistics, when the caller has them already."""
    counts = sample_counts(len(fake), fake.shape[1])
    if len(counts) < 2:
        return {}
    if real_statistics is None:
        real_statistics = fid_featuresdict_to_statistics({layer: real}, layer)
    rng = np.random.default_rng(seed)
    fids = [fid_at(fake[torch.from_numpy(rng.permutation(len(fake))[:n])], real_statistics, layer) for n in counts]
    fit = stats.linregress(1.0 / counts, fids)
    return {"fid_infinity": float(fit.intercept), "fid_infinity_slope": float(fit.slope)}
