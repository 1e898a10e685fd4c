"""Metrics for 2-D toy data.

Mixtures of Gaussians (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018): a sample is of
high quality when it lies within 3 standard deviations of its nearest mode; a mode is covered
when it holds at least 20 high-quality samples per 2,500 drawn (PacGAN's rule, scaled to N);
reverse KL(p_generated || p_real) over nearest-mode assignments, the real distribution being
uniform over modes. Any 2-D set: sliced Wasserstein distance, the mean over random directions
of scipy's 1-D Wasserstein distance between the projected samples.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from scipy.stats import entropy, wasserstein_distance


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, projections: int = 128, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(projections, a.shape[1]))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    pa, pb = a.double().numpy() @ directions.T, b.double().numpy() @ directions.T
    return float(np.mean([wasserstein_distance(pa[:, i], pb[:, i]) for i in range(projections)]))


def mode_metrics(samples: torch.Tensor, modes: torch.Tensor, std: float) -> dict[str, float]:
    distances = torch.cdist(samples.double(), modes.double())
    nearest_distance, nearest = distances.min(dim=1)
    high_quality = nearest_distance <= 3 * std
    per_mode = torch.bincount(nearest[high_quality], minlength=len(modes)).double()
    needed = max(1.0, 20 * len(samples) / 2500)
    assigned = torch.bincount(nearest, minlength=len(modes)).double()
    p_generated = (assigned / assigned.sum()).numpy()
    p_real = np.full(len(modes), 1.0 / len(modes))
    return {
        "modes_covered": float((per_mode >= needed).sum().item()),
        "modes_total": float(len(modes)),
        "high_quality_share": float(high_quality.double().mean().item()),
        "reverse_kl": float(entropy(p_generated, p_real)),
    }


class PointScorer:
    """Scores 2-D samples against a reference set; `features` is the identity here."""

    primary = "swd"
    extractor, weights_hash = "none", "none"

    def __init__(self, modes: torch.Tensor | None, mode_std: float | None) -> None:
        self.modes, self.mode_std = modes, mode_std
        self.seconds: dict[str, float] = {}  # what the last measure spent

    def features(self, points: torch.Tensor) -> torch.Tensor:
        return points.float()

    def score(self, fake: torch.Tensor, real: torch.Tensor, metrics: tuple[str, ...] = ()) -> dict[str, float]:
        out = {"swd": sliced_wasserstein(fake, real)}
        if self.modes is not None and self.mode_std is not None:
            out.update(mode_metrics(fake, self.modes, self.mode_std))
        return out

    def provenance(self, n_fake: int, n_real: int, split: str) -> dict[str, object]:
        return {"extractor": "none", "extractor_weights": "none", "n_fake": n_fake, "n_real": n_real, "split": split}

    def measure(
        self,
        samples: torch.Tensor,
        real: torch.Tensor,
        metrics: tuple[str, ...],
        split: str,
        during_training: bool = False,
    ) -> tuple[dict[str, float], dict[str, object]]:
        """(values, provenance) of points against reference points (the toy metrics, always all,
        the same along training as at the end)."""
        started = time.perf_counter()
        values = self.score(self.features(samples), real)
        self.seconds = {"metrics": time.perf_counter() - started}
        return values, self.provenance(len(samples), len(real), split)
