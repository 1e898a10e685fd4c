"""FID, KID, IS and precision/recall of generated images, computed by torch-fidelity.

We call torch-fidelity at the level of feature dictionaries rather than `calculate_metrics`, so
that the reference split's features are extracted once per trial and reused at every evaluation
point; every number still comes from torch-fidelity's own metric code and its registered
feature extractor. Its sharp edges (KID subsets larger than N, IS splits larger than N, fewer
than 2 samples) become clear errors or adjusted, recorded settings instead of NaNs.
"""

from __future__ import annotations

import urllib.error
from typing import Any

import torch
from torch.utils.data import Dataset as TorchDataset
from torch_fidelity.metric_fid import fid_featuresdict_to_statistics, fid_statistics_to_metric
from torch_fidelity.metric_isc import isc_featuresdict_to_metric
from torch_fidelity.metric_kid import kid_featuresdict_to_metric
from torch_fidelity.metric_prc import prc_featuresdict_to_metric
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY
from torch_fidelity.utils import create_feature_extractor, get_featuresdict_from_dataset

from benchbench.errors import UserError
from benchbench.metrics.coverage import density_coverage
from benchbench.metrics.extractors import EXTRACTORS, ensure_registered
from benchbench.metrics.finite import fid_infinity

# fid_infinity (metrics/finite.py) and dc, density and coverage (metrics/coverage.py), cost more
# than the rest: the trajectory leaves them out (training/convergence.py), the final scores have them.
IMAGE_METRICS = ("fid", "kid", "isc", "prc", "fid_infinity", "dc")
# A class counts as drawn when at least this share of the samples falls into it (uniform over
# MNIST's 10 classes is 10% each; a generator that never draws a digit leaves it below 3%).
CLASS_SHARE_FLOOR = 0.03


class _Images(TorchDataset):
    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.images[i]


class ImageScorer:
    """Scores uint8 images against a reference set with one feature extractor."""

    primary, lower_is_better = "fid", True

    def __init__(self, extractor: str, device: torch.device, batch_size: int = 500) -> None:
        ensure_registered()
        self.extractor, self.info = extractor, EXTRACTORS.get(extractor)
        self.device, self.batch_size = device, batch_size
        cls = FEATURE_EXTRACTORS_REGISTRY[extractor]
        self.layers = {m: cls.get_default_feature_layer_for_metric(m) for m in ("fid", "kid", "isc", "prc")}
        self.layers |= {"fid_infinity": self.layers["fid"], "dc": self.layers["prc"]}
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
        self, fake: dict[str, torch.Tensor], real: dict[str, torch.Tensor], metrics: tuple[str, ...] = IMAGE_METRICS
    ) -> dict[str, float]:
        """Metrics of generated features `fake` against reference features `real`."""
        self.check_metrics(metrics)
        n_fake = len(next(iter(fake.values())))
        n_real = len(next(iter(real.values()))) if real else 0
        out: dict[str, float] = {}
        quiet: dict[str, Any] = {"verbose": False}
        real_statistics = None  # shared by FID and FID-infinity: the reference's mean and covariance
        if "fid" in metrics or "fid_infinity" in metrics:
            real_statistics = fid_featuresdict_to_statistics(real, self.layers["fid"])
        if "fid" in metrics:
            fake_statistics = fid_featuresdict_to_statistics(fake, self.layers["fid"])
            fid = fid_statistics_to_metric(fake_statistics, real_statistics, verbose=False)
            out["fid"] = float(fid["frechet_inception_distance"])
        if "kid" in metrics:
            subset = min(1000, n_fake, n_real)
            kid = kid_featuresdict_to_metric(fake, real, self.layers["kid"], kid_subset_size=subset, **quiet)
            out["kid"], out["kid_std"] = kid["kernel_inception_distance_mean"], kid["kernel_inception_distance_std"]
        if "isc" in metrics:
            isc = isc_featuresdict_to_metric(fake, self.layers["isc"], isc_splits=min(10, n_fake), **quiet)
            out["is"], out["is_std"] = isc["inception_score_mean"], isc["inception_score_std"]
        if "prc" in metrics:
            prc = prc_featuresdict_to_metric(fake, real, self.layers["prc"], save_cpu_ram=True, **quiet)
            out["precision"], out["recall"] = prc["precision"], prc["recall"]
        if "fid_infinity" in metrics:
            layer = self.layers["fid"]
            out |= fid_infinity(fake[layer], real[layer], layer, real_statistics=real_statistics)
        if "dc" in metrics:
            out |= density_coverage(fake[self.layers["dc"]], real[self.layers["dc"]])
        shares = self.class_shares(fake) if "isc" in metrics else None
        if shares is not None:
            out["classes"] = float(sum(share >= CLASS_SHARE_FLOOR for share in shares))
            out["top_class_share"] = max(shares)
        return out

    def class_shares(self, fake: dict[str, torch.Tensor]) -> list[float] | None:
        """The share of samples the dataset's classifier puts in each class (its arg-max), or None
        when the extractor is no classifier of the dataset's labels."""
        classes = self.info.dataset_classes
        if classes is None:
            return None
        predicted = fake[self.layers["isc"]].argmax(dim=1)
        return (torch.bincount(predicted, minlength=classes).double() / len(predicted)).tolist()

    def check_metrics(self, metrics: tuple[str, ...]) -> None:
        """Refuse what cannot be computed before any work is done."""
        unknown = sorted(set(metrics) - set(IMAGE_METRICS))
        if unknown:
            raise UserError(f"unknown image metrics {unknown} (known: {', '.join(IMAGE_METRICS)})")
        if "isc" in metrics and not self.info.has_logits:
            # zero-filled logits would give IS = 1.0 exactly: silently wrong, so refuse
            raise UserError(f"extractor {self.extractor!r} has no logits: it cannot give an Inception Score")

    def provenance(self, n_fake: int, n_real: int, split: str) -> dict[str, Any]:
        return {  # what a value depends on, stored beside it
            "extractor": self.extractor,
            "extractor_weights": self.weights_hash,
            "n_fake": n_fake,
            "n_real": n_real,
            "split": split,
        }
