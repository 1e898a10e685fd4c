"""Image metrics computed on a feature extractor's outputs, driven by the catalogue.

Each catalogue metric whose `needs` is "features", "logits" or "classifier" names the
*computation* that yields it (metrics/catalog.py); a computation is one function registered here
with `@image_computation`, and one call can yield several metrics (torch-fidelity's precision and
recall come from one pass). A new image metric is its file, registering its computation, plus
its `declare` line: the scorer, the trajectory, the final scores, tables and gate read it from
there. Requests an extractor cannot serve (IS from a network without logits) are refused before
any work; the defaults are what it can serve.

We call torch-fidelity at the level of feature dictionaries rather than `calculate_metrics`, so
that the reference split's features are extracted once per trial and reused at every evaluation
point; every number still comes from torch-fidelity's own metric code and its registered
feature extractor. Its sharp edges (KID subsets larger than N, IS splits larger than N, fewer
than 2 samples) become clear errors or adjusted, recorded settings instead of NaNs.
"""

from __future__ import annotations

import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils.data import Dataset as TorchDataset
from torch_fidelity.metric_fid import fid_featuresdict_to_statistics, fid_statistics_to_metric
from torch_fidelity.metric_isc import isc_featuresdict_to_metric
from torch_fidelity.metric_kid import kid_featuresdict_to_metric
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY
from torch_fidelity.utils import create_feature_extractor, get_featuresdict_from_dataset

from benchbench.errors import UserError
from benchbench.metrics import neighbours
from benchbench.metrics.cache import memo_by_tensor
from benchbench.metrics.catalog import METRICS, image_metrics, unservable
from benchbench.metrics.extractors import EXTRACTORS, ExtractorInfo, ensure_registered
from benchbench.metrics.finite import fid_infinity
from benchbench.registry import Registry

# A class counts as drawn when at least this share of the samples falls into it (uniform over
# MNIST's 10 classes is 10% each; a generator that never draws a digit leaves it below 3%).
CLASS_SHARE_FLOOR = 0.03
# KID averages the unbiased MMD over random subsets of 1,000 (torch-fidelity: 100 of them). Along
# the budget, 20 (each of 2,000 samples drawn about 10 times, as at 100 subsets of 10,000): the
# subsets' Monte-Carlo error is then under a quarter of their spread (kid_std / sqrt(20)), and
# the point costs 0.3 s of KID instead of 1.2 s. The final scores keep 100.
KID_SUBSETS = 100
KID_SUBSETS_ALONG = 20


@dataclass
class Inputs:
    """What a computation reads: generated and reference features by layer, and the layer names
    of the extractor's features and logits."""

    fake: dict[str, torch.Tensor]
    real: dict[str, torch.Tensor]
    # the extractor's layer per torch-fidelity metric ("fid", "kid", "prc", "isc"), as it declares
    # them; "features" is FID's (the feature vector), "logits" IS's
    layers: dict[str, str]
    info: ExtractorInfo
    during_training: bool = False  # a trajectory point: the cheaper settings where a metric has them

    def features(self, which: dict[str, torch.Tensor], kind: str = "features") -> torch.Tensor:
        return which[self.layers[kind]]

    @property
    def n_fake(self) -> int:
        return len(next(iter(self.fake.values())))

    @property
    def n_real(self) -> int:
        return len(next(iter(self.real.values()))) if self.real else 0

    def real_statistics(self) -> dict[str, Any]:
        """The reference's mean and covariance for FID and FID-infinity: computed once per
        reference (the same features are scored at every evaluation point), not once per call."""
        return reference_statistics(self.real, self.layers["features"])


# Reference statistics by the identity of the feature tensor they summarise, dropped when that
# tensor is freed (so an id is never reused while its entry lives, and no tensor is kept alive
# for it). Reference features are cached by content (metrics/cache.py, metrics/evaluator.py), so
# one reference is one tensor.
_STATISTICS: dict[int, dict[str, Any]] = {}


def reference_statistics(features: dict[str, torch.Tensor], layer: str) -> dict[str, Any]:
    """torch-fidelity's FID statistics (mean, covariance) of reference features, memoised."""
    return memo_by_tensor(_STATISTICS, features[layer], lambda: fid_featuresdict_to_statistics(features, layer))


@dataclass(frozen=True)
class Computation:
    name: str
    compute: Callable[[Inputs], dict[str, float]]


COMPUTATIONS: Registry[Computation] = Registry("image computation")


def image_computation(name: str) -> Callable[[Callable[[Inputs], dict[str, float]]], Callable]:
    """Register `function(inputs) -> {metric: value}` as the computation catalogue entries name."""

    def add(function: Callable[[Inputs], dict[str, float]]) -> Callable[[Inputs], dict[str, float]]:
        COMPUTATIONS.register(name)(Computation(name, function))
        return function

    return add


_QUIET: dict[str, Any] = {"verbose": False}


@image_computation("fid")
def _fid(inputs: Inputs) -> dict[str, float]:
    fake_statistics = fid_featuresdict_to_statistics(inputs.fake, inputs.layers["features"])
    fid = fid_statistics_to_metric(fake_statistics, inputs.real_statistics(), verbose=False)
    return {"fid": float(fid["frechet_inception_distance"])}


@image_computation("kid")
def _kid(inputs: Inputs) -> dict[str, float]:
    subset = min(1000, inputs.n_fake, inputs.n_real)
    subsets = KID_SUBSETS_ALONG if inputs.during_training else KID_SUBSETS
    kid = kid_featuresdict_to_metric(
        inputs.fake, inputs.real, inputs.layers["kid"], kid_subset_size=subset, kid_subsets=subsets, **_QUIET
    )
    return {"kid": kid["kernel_inception_distance_mean"], "kid_std": kid["kernel_inception_distance_std"]}


@image_computation("isc")
def _inception_score(inputs: Inputs) -> dict[str, float]:
    isc = isc_featuresdict_to_metric(inputs.fake, inputs.layers["isc"], isc_splits=min(10, inputs.n_fake), **_QUIET)
    return {"is": isc["inception_score_mean"], "is_std": isc["inception_score_std"]}


@image_computation("prc")
def _precision_recall(inputs: Inputs) -> dict[str, float]:
    # torch-fidelity's definition and arithmetic, the real radii computed once per reference
    real = inputs.features(inputs.real, "prc")
    return neighbours.precision_recall(inputs.features(inputs.fake, "prc"), real, neighbours.real_radii(real))


@image_computation("fid_infinity")
def _fid_infinity(inputs: Inputs) -> dict[str, float]:
    layer = inputs.layers["features"]
    return fid_infinity(inputs.fake[layer], inputs.real[layer], layer, real_statistics=inputs.real_statistics())


@image_computation("dc")
def _density_coverage(inputs: Inputs) -> dict[str, float]:
    # prdc's definition and arithmetic in precision's feature space, the real radii computed once
    real = inputs.features(inputs.real, "prc")
    return neighbours.density_coverage(inputs.features(inputs.fake, "prc"), real, neighbours.real_radii(real))


@image_computation("classes")
def _classes(inputs: Inputs) -> dict[str, float]:
    shares = class_shares(inputs.features(inputs.fake, "logits"), inputs.info)
    if shares is None:
        return {}
    return {"classes": float(sum(share >= CLASS_SHARE_FLOOR for share in shares)), "top_class_share": max(shares)}


def class_shares(logits: torch.Tensor, info: ExtractorInfo) -> list[float] | None:
    """The share of samples the dataset's classifier puts in each class (its arg-max), or None
    when the extractor is no classifier of the dataset's labels."""
    if info.dataset_classes is None:
        return None
    predicted = logits.argmax(dim=1)
    return (torch.bincount(predicted, minlength=info.dataset_classes).double() / len(predicted)).tolist()


class _Images(TorchDataset):
    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.images[i]


class ImageScorer:
    """Scores uint8 images against a reference set with one feature extractor."""

    primary = "fid"

    def __init__(self, extractor: str, device: torch.device, batch_size: int = 500) -> None:
        ensure_registered()
        self.extractor, self.info = extractor, EXTRACTORS.get(extractor)
        self.device, self.batch_size = device, batch_size
        cls = FEATURE_EXTRACTORS_REGISTRY[extractor]
        # torch-fidelity names the layer each of its metrics reads; the logits only where there are some
        self.layers = {m: cls.get_default_feature_layer_for_metric(m) for m in ("fid", "kid", "prc")}
        self.layers["features"] = self.layers["fid"]
        if self.info.has_logits:
            self.layers["isc"] = self.layers["logits"] = cls.get_default_feature_layer_for_metric("isc")
        try:
            self.model = create_feature_extractor(
                extractor,
                sorted(set(self.layers.values())),
                cuda=device.type == "cuda",
                verbose=False,
                **self.info.options(),
            )
        except (urllib.error.URLError, OSError, RuntimeError) as error:
            raise UserError(
                f"feature extractor {extractor!r} could not be loaded ({error}); offline, use "
                "mnist-classifier for MNIST or give Inception weights in BENCHBENCH_INCEPTION_WEIGHTS"
            ) from None
        self.weights_hash = self.info.weights_hash()
        self.seconds: dict[str, float] = {}  # what the last measure spent: features, then each computation

    def metrics(self, during_training: bool = False) -> tuple[str, ...]:
        """The catalogue's image metrics this extractor can serve (along training: the cheap ones)."""
        return image_metrics(self.info, during_training)

    def features(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        if images.dtype != torch.uint8 or images.dim() != 4:
            raise UserError(f"images must be uint8 N x C x H x W, got {images.dtype} {tuple(images.shape)}")
        if len(images) < 2:
            raise UserError(f"at least 2 images are needed for metrics, got {len(images)}")
        if self.info.channels == 3 and images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        return get_featuresdict_from_dataset(
            _Images(images), self.model, self.batch_size, self.device.type == "cuda", save_cpu_ram=True, verbose=False
        )

    def score(
        self,
        fake: dict[str, torch.Tensor],
        real: dict[str, torch.Tensor],
        metrics: tuple[str, ...] | None = None,
        during_training: bool = False,
    ) -> dict[str, float]:
        """Catalogue metrics (default: all this extractor serves) of generated features `fake`
        against reference features `real`, with what their computations give beside them."""
        metrics = self.metrics() if metrics is None else metrics
        self.check_metrics(metrics)
        inputs = Inputs(fake, real, self.layers, self.info, during_training)
        out: dict[str, float] = {}
        for name in dict.fromkeys(METRICS.get(m).computation for m in metrics):  # once each, in order
            started = time.perf_counter()
            out |= COMPUTATIONS.get(name).compute(inputs)
            part = "/".join(m for m in metrics if METRICS.get(m).computation == name)  # "precision/recall"
            self.seconds[part] = self.seconds.get(part, 0.0) + time.perf_counter() - started
        return out

    def measure(
        self,
        samples: torch.Tensor,
        real: dict[str, torch.Tensor],
        metrics: tuple[str, ...],
        split: str,
        during_training: bool = False,
    ) -> tuple[dict[str, float], dict[str, Any]]:
        """(values, provenance) of uint8 images against reference features: what a trial's
        evaluation and `benchbench eval` both report, with the classes drawn beside the metrics."""
        started = time.perf_counter()
        fake = self.features(samples)
        self.seconds = {"features": time.perf_counter() - started}
        values = self.score(fake, real, metrics, during_training)
        provenance = self.provenance(len(samples), len(real[self.layers["features"]]), split)
        shares = self.class_shares(fake) if "classes" in metrics else None
        if shares is not None:
            provenance["class_shares"] = [round(share, 4) for share in shares]
        return values, provenance

    def class_shares(self, fake: dict[str, torch.Tensor]) -> list[float] | None:
        return class_shares(fake[self.layers["logits"]], self.info) if "logits" in self.layers else None

    def check_metrics(self, metrics: tuple[str, ...]) -> None:
        """Refuse what cannot be computed before any work is done."""
        known = image_metrics()
        unknown = [m for m in metrics if m not in known]
        if unknown:
            raise UserError(f"unknown image metrics {unknown} (known: {', '.join(known)})")
        for name in metrics:
            reason = unservable(METRICS.get(name), self.info)
            if reason:  # zero-filled logits would give IS = 1.0 exactly: silently wrong, so refuse
                raise UserError(f"extractor {self.extractor!r} cannot give {name}: {reason}")

    def provenance(self, n_fake: int, n_real: int, split: str) -> dict[str, Any]:
        return {  # what a value depends on, stored beside it
            "extractor": self.extractor,
            "extractor_weights": self.weights_hash,
            "n_fake": n_fake,
            "n_real": n_real,
            "split": split,
        }
