"""A precomputed reference: a dataset split's features in one extractor, written once where the
data is (`benchbench reference mnist -o mnist-test.pt`) and scored against anywhere, with no
images at hand (`benchbench load G --reference mnist-test.pt`).

Features, not FID's mean and covariance alone: KID, precision/recall and density/coverage need
the reference's feature vectors, and FID's statistics follow from them. The file is read as
tensors and plain data only (never unpickled objects), and refused in one line where it was made
by another extractor's weights, another file version, or holds no features of the layers the
extractor's metrics read. What a reference cannot give is said, not faked: there are no real
images, so no real-against-real floor and no image-space metric (pyramid SWD).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from benchbench.errors import UserError
from benchbench.metrics.cache import numerics
from benchbench.metrics.evaluator import Evaluator
from benchbench.results.io import load_tensors, save_tensors

REFERENCE_VERSION = 1
KEYS = ("dataset", "split", "extractor", "extractor_weights", "n", "shape", "dataset_digest", "reference_digest",
        "reference_features", "resize", "numerics")  # fmt: skip


def write_reference(dataset_spec: str, out: Path, split: str = "test", extractor: str | None = None) -> dict[str, Any]:
    """The features of `dataset_spec`'s `split` in `extractor` (default: the dataset's), with what
    they are, into `out`; returns the description written beside them."""
    import benchbench.datasets as datasets

    dataset = datasets.load(dataset_spec)
    if dataset.kind != "image":
        raise UserError(f"dataset {dataset_spec!r} holds points: a reference file holds image features")
    if split not in dataset.splits:
        raise UserError(f"dataset {dataset_spec!r} has no split {split!r} (it has {', '.join(dataset.splits)})")
    evaluator = Evaluator(dataset, extractor, torch.device("cpu"))
    scorer = evaluator.scorer
    described = {
        "dataset": dataset_spec,
        "split": split,
        "extractor": scorer.extractor,
        "extractor_weights": scorer.weights_hash,
        "n": len(dataset.reference(split)),
        "shape": list(dataset.shape),
        **evaluator.reference_provenance(split),
        "numerics": numerics(scorer.device),
    }
    described.pop("resolution")
    features = {layer: tensor.contiguous() for layer, tensor in evaluator.reference_features(split).items()}
    save_tensors(out, {"reference_version": REFERENCE_VERSION, "described": described, "features": features})
    return described


@dataclass
class ReferenceData:
    """What the scoring of a loaded generator asks of a dataset, from a reference file: its name,
    kind and image shape; it has no images to give."""

    name: str
    shape: tuple[int, ...]
    kind: str = "image"
    splits: tuple[str, ...] = ()

    def reference(self, split: str, n: int | None = None) -> torch.Tensor:
        raise UserError(f"a precomputed reference holds features, not images: nothing can read its {split} images")


class ReferenceEvaluator(Evaluator):
    """An Evaluator whose reference features come from a file, not from images."""

    def __init__(self, path: Path, device: torch.device) -> None:
        self.path, self.described, self.features = path, *_read(path)
        data = ReferenceData(self.described["dataset"], tuple(self.described["shape"]))
        super().__init__(data, self.described["extractor"], device)  # an ImageScorer of the file's extractor
        if self.scorer.weights_hash != self.described["extractor_weights"]:
            raise UserError(
                f"reference {path} was made with {self.described['extractor']} weights "
                f"{self.described['extractor_weights']}, these are {self.scorer.weights_hash}: make it again here"
            )
        missing = sorted(set(self.scorer.layers.values()) - set(self.features))
        if missing:
            raise UserError(f"reference {path} lacks the features of layers {missing} that {self.extractor} reads")

    def reference_features(self, split: str) -> Any:
        return self.features

    def evaluate_samples(self, samples: torch.Tensor, split: str, *args: Any, **options: Any) -> Any:
        """Against the file's features, whatever split is asked for: the provenance names its own."""
        return super().evaluate_samples(samples, self.described["split"], *args, **options)

    def reference_provenance(self, split: str) -> dict[str, Any]:
        kept = ("dataset_digest", "reference_digest", "reference_features", "resize")
        return {k: self.described[k] for k in kept} | {"resolution": "x".join(map(str, self.dataset.shape))}

    def floor(self, n: int, split: str) -> dict[str, Any]:
        return {"n": None, "split": split, "note": "a precomputed reference has no real images to score"}


def _read(path: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    if not path.is_file():
        raise UserError(f"reference file {path} does not exist")
    payload = load_tensors(path)
    if not isinstance(payload, dict) or payload.get("reference_version") != REFERENCE_VERSION:
        version = payload.get("reference_version") if isinstance(payload, dict) else None
        raise UserError(f"{path} is not a benchbench reference file of version {REFERENCE_VERSION} (found {version})")
    described, features = payload.get("described"), payload.get("features")
    if not isinstance(described, dict) or any(k not in described for k in KEYS) or not isinstance(features, dict):
        raise UserError(f"reference file {path} is incomplete: it lacks what its features are")
    rows = {len(t) for t in features.values() if isinstance(t, torch.Tensor)}
    if len(rows) != 1 or len(features) != sum(isinstance(t, torch.Tensor) for t in features.values()):
        raise UserError(f"reference file {path} holds features of unequal lengths or things that are not tensors")
    return described, features
