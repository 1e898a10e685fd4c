"""The nearest-neighbour work under precision/recall and density/coverage, done once and shared.

Precision and recall (Kynkaenniemi et al. 2019, torch-fidelity, k = 3) and density and coverage
(Naeem et al. 2020, prdc, k = 5) all compare each sample with the k-th nearest neighbour distance
("radius") of the samples of its own side. The real side never changes between scorings of one
reference, yet each library computed its radii (a real x real distance matrix and a selection
per row) at every call. Here the real radii are computed once per reference features (in memory
by tensor, on disk by content, beside the features) and each scoring computes the real-generated
distances once per pair, from which both of its metrics follow, and the generated side's radii
only where a metric reads them (recall; prdc computed them for its own recall, which density and
coverage do not use).

Why two passes and not one: the two references define the distance differently. torch-fidelity
computes float32 distances with torch.cdist on all samples; prdc computes float64 distances with
scikit-learn on at most 5,000 of each side (a seeded draw). On features with ties and duplicates
(a collapsed generator), which side of a radius a distance falls on depends on the last bits of
that arithmetic, so the values agree with the references (to 1e-6, tests/test_neighbours.py)
only when each pair is computed with its reference's own arithmetic: its own distance function,
on the same blocks. The metrics' definitions stay theirs; what is ours is not repeating them.

Memory: distances are computed a block of `PRC_BATCH` real rows at a time against all generated
samples (torch-fidelity's own block size), and reduced at once: at most PRC_BATCH x N float32
values (400 MB at 10,000 samples) for precision and recall, and for density and coverage prdc's
5,000 x 5,000 float64 (200 MB).
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch_fidelity.defaults import DEFAULTS
from torch_fidelity.metric_prc import calc_cdist_full

from benchbench.metrics.cache import cache_root, memo_by_tensor
from benchbench.results.io import load_tensors, save_tensors

PRC_K = int(DEFAULTS["prc_neighborhood"])  # torch-fidelity's neighbourhood
PRC_BATCH = int(DEFAULTS["prc_batch_size"])
DC_K = 5  # prdc's nearest_k, as Naeem et al. use it (metrics/coverage.py)
DC_MAX_SAMPLES = 5000  # prdc's matrices are N^2: at most this many of each side, a seeded draw
DC_SEED = 0
RADII_VERSION = 1  # the same values whichever selection reads them


@dataclass(frozen=True)
class RealRadii:
    """A reference's radii for both metric pairs, and what they were computed under."""

    prc: torch.Tensor  # float32, per real sample: distance to its (PRC_K + 1)-th nearest (itself first)
    dc: np.ndarray  # float64, per sampled real sample: prdc's (DC_K + 1)-th nearest distance
    dc_rows: np.ndarray  # which real samples prdc's seeded draw keeps (all, in order, up to DC_MAX_SAMPLES)
    key: dict[str, Any]


def method_key(n_real: int) -> dict[str, Any]:
    """What the radii depend on besides the features themselves: a cache entry under another key
    is never reused."""
    return {
        "radii_version": RADII_VERSION,
        "n_real": n_real,
        "prc_k": PRC_K,
        "prc_batch": PRC_BATCH,
        "dc_k": DC_K,
        "dc_max_samples": DC_MAX_SAMPLES,
        "dc_seed": DC_SEED,
        "torch": str(torch.__version__),  # a TorchVersion would not load weights-only
        "torch_fidelity": metadata.version("torch-fidelity"),
        "prdc": metadata.version("prdc"),
    }


# In memory: by the identity of the feature tensor, dropped when it is freed (as FID's statistics).
_RADII: dict[int, RealRadii] = {}


def real_radii(real: torch.Tensor, on_disk: bool = True) -> RealRadii:
    """The reference's radii: from memory, from the disk cache (keyed by the features' content
    and method_key), or computed once and stored in both."""
    return memo_by_tensor(_RADII, real, lambda: _stored(real, on_disk))


def _stored(real: torch.Tensor, on_disk: bool) -> RealRadii:
    key = method_key(len(real))
    path = cache_root() / f"radii-{_digest(real)}.pt" if on_disk else None
    found = _read(path, key) if path is not None else None
    if found is None:
        found = _compute(real, key)
        if path is not None:
            try:
                arrays = {
                    "dc": torch.from_numpy(found.dc),
                    "dc_rows": torch.from_numpy(found.dc_rows),
                }  # tensors load safely
                save_tensors(path, {"key": key, "prc": found.prc, **arrays})
            except OSError:
                pass  # a read-only cache only costs time
    return found


def _digest(features: torch.Tensor) -> str:
    digest = hashlib.sha256(f"{tuple(features.shape)}|{features.dtype}|".encode())
    digest.update(features.contiguous().numpy().tobytes())
    return digest.hexdigest()[:32]


def _read(path: Any, key: dict[str, Any]) -> RealRadii | None:
    """A cached entry if it holds exactly `key`; a corrupt or stale one is said in one line and
    recomputed."""
    if not path.is_file():
        return None
    try:
        entry = load_tensors(path)
        stored = dict(entry["key"])
        radii = RealRadii(entry["prc"], entry["dc"].numpy(), entry["dc_rows"].numpy(), stored)
    except Exception:  # unreadable, truncated or foreign: never trusted
        print(f"reference radii cache {path} is corrupt: recomputing it", file=sys.stderr)
        return None
    if stored != key:
        why = ", ".join(f"{k} {stored.get(k)} (now {v})" for k, v in key.items() if stored.get(k) != v)
        print(f"reference radii cache {path} was made under {why}: recomputing it", file=sys.stderr)
        return None
    return radii


def _compute(real: torch.Tensor, key: dict[str, Any]) -> RealRadii:
    from prdc.prdc import compute_nearest_neighbour_distances

    rows = _dc_rows(len(real), np.random.default_rng(DC_SEED))
    # too few samples for a k: no radii (the metrics then give nothing, as sample_size.py warns)
    dc = compute_nearest_neighbour_distances(_dc_array(real, rows), DC_K) if len(rows) > DC_K + 1 else np.zeros(0)
    return RealRadii(_radii_prc(real), dc, rows, key)


def _radii_prc(features: torch.Tensor) -> torch.Tensor:
    """torch-fidelity's radii: the (k + 1)-th smallest of each row of its own cdist blocks. Read
    with topk rather than its kthvalue: the same value (a selection, no arithmetic), 11x faster
    on one CPU thread at 10,000 x 10,000."""
    if len(features) <= PRC_K:
        return torch.zeros(0)
    return torch.cat(
        [
            calc_cdist_full(block, features, PRC_BATCH).topk(PRC_K + 1, dim=1, largest=False).values[:, -1]
            for block in features.split(PRC_BATCH)
        ]
    )


def _dc_rows(n: int, rng: np.random.Generator) -> np.ndarray:
    """prdc's share of a side, drawn as benchbench always drew it (the real side first)."""
    return np.sort(rng.choice(n, DC_MAX_SAMPLES, replace=False)) if n > DC_MAX_SAMPLES else np.arange(n)


def _dc_array(features: torch.Tensor, rows: np.ndarray) -> np.ndarray:
    array = features.double().numpy()
    return array if len(rows) == len(array) else array[rows]


def precision_recall(fake: torch.Tensor, real: torch.Tensor, radii: RealRadii) -> dict[str, float]:
    """torch-fidelity's precision and recall (its full path's arithmetic), with the real radii given;
    {} when a side has no more samples than k."""
    if min(len(fake), len(real)) <= PRC_K:
        return {}
    fake_radii = _radii_prc(fake)
    inside_real = torch.zeros(len(fake), dtype=torch.bool)  # precision: a fake inside some real ball
    recalled = []  # recall: a real inside some fake ball
    for start, block in zip(range(0, len(real), PRC_BATCH), real.split(PRC_BATCH)):
        distances = calc_cdist_full(block, fake, PRC_BATCH)  # real rows x fake columns, as torch-fidelity's
        recalled.append((distances <= fake_radii).any(dim=1))
        inside_real |= (distances.T <= radii.prc[start : start + len(block)]).any(dim=1)
    return {"precision": inside_real.float().mean().item(), "recall": torch.cat(recalled).float().mean().item()}


def density_coverage(fake: torch.Tensor, real: torch.Tensor, radii: RealRadii) -> dict[str, float]:
    """prdc's density and coverage (its arithmetic, its seeded draw of at most 5,000 a side), with
    the real radii given; {} when a side has too few samples for its k."""
    from prdc.prdc import compute_pairwise_distance

    rng = np.random.default_rng(DC_SEED)
    _dc_rows(len(real), rng)  # the real side's draw comes first in the stream
    fake_array = _dc_array(fake, _dc_rows(len(fake), rng))
    real_array = _dc_array(real, radii.dc_rows)
    if min(len(real_array), len(fake_array)) <= DC_K + 1:  # prdc reads the (k + 1)-th distance
        return {}
    # real rows x fake columns; the generated side's own radii (prdc's recall) are not needed here
    distances = compute_pairwise_distance(real_array, fake_array)
    inside = distances < np.expand_dims(radii.dc, axis=1)
    return {
        "density": float((1.0 / float(DC_K)) * inside.sum(axis=0).mean()),
        "coverage": float((distances.min(axis=1) < radii.dc).mean()),
        "dc_samples": float(min(len(real_array), len(fake_array))),
    }
