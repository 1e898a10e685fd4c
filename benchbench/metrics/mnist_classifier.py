"""The offline feature network for MNIST: a small CNN trained by this project on MNIST's 60,000
training images, registered with torch-fidelity as the feature extractor `mnist-classifier`.

Why not Inception: its weights need a download, and ImageNet features describe digits poorly.
A domain classifier is the usual choice for MNIST (e.g. the "MNIST FID" of Lucic et al. 2018 and
the classifier scores of Salimans et al. 2016 ported to digits). Its values are NOT comparable
with Inception FIDs; every stored value names the extractor and its weights hash.

Features: `penultimate` (128-d, after ReLU) for FID, KID and precision/recall; `logits` (10-d)
for the Inception Score. Rebuild the shipped weights with
`python -m benchbench.metrics.train_classifier` (seed 0, about 2 minutes on 2 CPU cores).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch_fidelity.feature_extractor_base import FeatureExtractorBase

from benchbench.errors import UserError

WEIGHTS = Path(__file__).parent / "weights" / "mnist_classifier.pt"
WEIGHTS_INFO = WEIGHTS.with_suffix(".json")
MEAN, STD = 0.1307, 0.3081  # of MNIST's training pixels in [0, 1]


class DigitNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        # Small on purpose: every evaluation runs it over 10,000+ images on the CPU.
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc = nn.Linear(64 * 3 * 3, 128)
        self.head = nn.Linear(128, 10)

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: N x 1 x 28 x 28 floats in [0, 1] -> (penultimate 128-d, logits 10-d)."""
        x = (x - MEAN) / STD
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # 14x14
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # 7x7
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)  # 3x3
        hidden = F.relu(self.fc(x.flatten(1)))
        return hidden, self.head(hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)[1]


def weights_sha256() -> str:
    return hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()


def checked_weights(net: nn.Module, weights: Path, info: Path, rebuild: str) -> nn.Module:
    """`net` with the shipped weights, after checking them against their recorded checksum."""
    if not weights.is_file() or not info.is_file():
        raise UserError(f"feature network weights missing at {weights}; rebuild them with `{rebuild}`")
    expected = json.loads(info.read_text())["sha256"]
    if hashlib.sha256(weights.read_bytes()).hexdigest() != expected:
        raise UserError(f"feature network weights at {weights} do not match their recorded sha256")
    net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return net.eval()


def load_classifier() -> DigitNet:
    """The shipped classifier, after checking its weights against the recorded checksum."""
    return checked_weights(DigitNet(), WEIGHTS, WEIGHTS_INFO, "python -m benchbench.metrics.train_classifier")


class MnistClassifierExtractor(FeatureExtractorBase):
    """torch-fidelity adapter: takes uint8 N x C x H x W (1 or 3 channels, any size)."""

    def __init__(self, name: str, features_list: list[str], **kwargs: object) -> None:
        super().__init__(name, features_list)
        self.net = self.load_network()

    def load_network(self) -> nn.Module:
        return load_classifier()

    @staticmethod
    def get_provided_features_list() -> tuple[str, ...]:
        return ("penultimate", "logits")

    @staticmethod
    def get_default_feature_layer_for_metric(metric: str) -> str:
        return {"isc": "logits", "fid": "penultimate", "kid": "penultimate", "prc": "penultimate"}[metric]

    @staticmethod
    def can_be_compiled() -> bool:
        return False

    @staticmethod
    def get_dummy_input_for_compile() -> torch.Tensor:
        return torch.zeros(1, 1, 28, 28, dtype=torch.uint8)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = x.float() / 255.0
        if x.shape[1] == 3:
            x = x.mean(dim=1, keepdim=True)
        if x.shape[-2:] != (28, 28):
            x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False, antialias=True)
        hidden, logits = self.net.features(x)
        by_name = {"penultimate": hidden, "logits": logits}
        return tuple(by_name[name] for name in self.features_list)


def accuracy(net: DigitNet, images: torch.Tensor, labels: torch.Tensor) -> float:
    with torch.no_grad():
        predictions = torch.cat([net(batch.float() / 255).argmax(1) for batch in images.split(1000)])
    return (predictions == labels).float().mean().item()
