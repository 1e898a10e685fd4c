"""Evaluation of generated samples against a dataset split: the one entry the trainer calls.

Images go through torch-fidelity with a registered feature extractor (metrics/images.py);
2-D points through the toy metrics (metrics/toy.py). Reference features are extracted once per
split content and extractor (on disk across processes, metrics/cache.py; in memory within one),
and their FID statistics once per reference (metrics/images.py).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Any

import torch

from benchbench.datasets import Dataset
from benchbench.errors import UserError
from benchbench.metrics.cache import cached_features, content_key, numerics
from benchbench.metrics.images import ImageScorer
from benchbench.metrics.toy import PointScorer

# Reference features in memory by content key (metrics/cache.py), the most recently used few: a
# trial reads its validation and test splits, perhaps in a second feature space, at every point.
# Bounded, so that a long-lived process (a notebook, a suite run in one process) does not keep
# every reference it ever scored (Inception features of 50,000 images are 400 MB), and so that
# the FID statistics memoised for an evicted tensor go with it (metrics/images.py).
REFERENCE_MEMO_SIZE = 4
_REFERENCE_FEATURES: OrderedDict[str, Any] = OrderedDict()
_FLOORS: dict[tuple[str, str], dict[str, Any]] = {}  # by (real, reference) content keys


def _pyramid_swd(samples: torch.Tensor, dataset: Dataset, settings: Any) -> dict[str, float]:
    from benchbench.metrics.swd import sliced_wasserstein_images

    if not settings.swd_samples or dataset.kind != "image":
        return {}
    return sliced_wasserstein_images(samples, dataset.reference("test"), settings.swd_samples)


# Metrics computed on a trial's final samples when its settings ask for them (beyond the
# Evaluator's): name -> function(samples, dataset, settings) giving {} when not asked for.
FINAL_METRICS = {"pyramid_swd": _pyramid_swd}


def final_metrics(samples: torch.Tensor, dataset: Dataset, settings: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for compute in FINAL_METRICS.values():
        out.update(compute(samples, dataset, settings))
    return out


class Evaluator:
    def __init__(self, dataset: Dataset, extractor: str | None, device: torch.device) -> None:
        self.dataset = dataset
        if dataset.kind == "points":
            self.scorer: ImageScorer | PointScorer = PointScorer(dataset.modes, dataset.mode_std)
        else:
            name = extractor or dataset.extractor
            if name is None:
                raise UserError(f"dataset {dataset.name!r} names no feature extractor: pass --extractor")
            self.scorer = ImageScorer(name, device)
        self._keys: dict[tuple[str, Any], Any] = {}
        self.seconds: dict[str, float] = {}  # what the last evaluate_samples spent, per part

    @property
    def primary(self) -> str:
        return self.scorer.primary

    def metrics(self, during_training: bool = False) -> tuple[str, ...]:
        """What the trajectory (during_training) or the final scores compute: the catalogue's
        metrics this dataset's scorer serves (2-D points: the toy metrics, always all)."""
        return self.scorer.metrics(during_training) if isinstance(self.scorer, ImageScorer) else ()

    @property
    def extractor(self) -> str:
        return self.scorer.extractor

    def _key(self, split: str, n: int | None = None) -> str:
        """What cached features depend on: the split's content (whatever options loaded it), the
        extractor, its weights and how images reach it. Hashed once per evaluator: a split does
        not change, and reference features are asked for at every evaluation."""
        if (split, n) not in self._keys:
            resize = getattr(getattr(self.scorer, "info", None), "resize_mode", "none")
            images = self.dataset.reference(split, n)
            computed = numerics(self.scorer.device) if isinstance(self.scorer, ImageScorer) else "cpu"
            self._keys[(split, n)] = content_key(
                images, self.scorer.extractor, self.scorer.weights_hash, resize, computed
            )
        return self._keys[(split, n)]

    def reference_provenance(self, split: str) -> dict[str, Any]:
        """What a final value's reference is, for a leaderboard's protocol fingerprint: the
        dataset's content (its training split), the reference split's content and the key of its
        features (content, extractor, weights, resizer, numerics), the resolution and resizer."""
        if ("provenance", split) not in self._keys:
            resize = getattr(getattr(self.scorer, "info", None), "resize_mode", "none")
            self._keys[("provenance", split)] = {
                "dataset_digest": _content_digest(self.dataset.reference("train")),
                "reference_digest": _content_digest(self.dataset.reference(split)),
                "reference_features": self._key(split),
                "resolution": "x".join(map(str, self.dataset.shape)),
                "resize": str(resize),
            }
        return dict(self._keys[("provenance", split)])

    def reference_features(self, split: str) -> Any:
        reference = self.dataset.reference(split)
        key = self._key(split)
        if key in _REFERENCE_FEATURES:
            _REFERENCE_FEATURES.move_to_end(key)
            return _REFERENCE_FEATURES[key]
        if isinstance(self.scorer, ImageScorer):
            found = cached_features(self.scorer, reference)
        else:
            found = self.scorer.features(reference)
        _REFERENCE_FEATURES[key] = found
        while len(_REFERENCE_FEATURES) > REFERENCE_MEMO_SIZE:
            _REFERENCE_FEATURES.popitem(last=False)
        return found

    def floor(self, n: int, split: str) -> dict[str, Any]:
        """The primary metric of n real training samples against `split`: what a generator that
        draws the data itself scores at this sample count, the metric's finite-sample floor."""
        real = self.dataset.reference("train", n)
        key = (self._key("train", n), self._key(split))
        if key not in _FLOORS:
            if isinstance(self.scorer, ImageScorer):
                values = self.scorer.score(cached_features(self.scorer, real), self.reference_features(split), ("fid",))
            else:
                values = self.scorer.score(self.scorer.features(real), self.reference_features(split))
            _FLOORS[key] = {"n": len(real), "split": split, self.primary: values[self.primary]}
        return _FLOORS[key]

    def evaluate_samples(
        self, samples: torch.Tensor, split: str, metrics: tuple[str, ...] | None = None, during_training: bool = False
    ) -> tuple[dict[str, float], dict[str, Any]]:
        """Score raw samples (uint8 images or points) against a whole split (metrics: catalogue
        names; None: all the scorer serves, or along training those cheap enough for it, with
        their cheaper settings)."""
        metrics = self.metrics(during_training) if metrics is None else metrics
        started = time.perf_counter()
        real = self.reference_features(split)  # read from the caches after the first time
        reference_seconds = time.perf_counter() - started
        measured = self.scorer.measure(samples, real, metrics, split, during_training)
        self.seconds = {"reference features": reference_seconds, **self.scorer.seconds}
        return measured


def _content_digest(data: torch.Tensor) -> str:
    digest = hashlib.sha256(f"{tuple(data.shape)}|{data.dtype}|".encode())
    digest.update(data.contiguous().numpy().tobytes())
    return "sha256:" + digest.hexdigest()
