"""A second, independent feature network for MNIST: LeNet-5 (LeCun et al. 1998: two 5 x 5
convolutions with pooling, then 120-, 84- and 10-unit layers), trained by this project with
another seed, another architecture and without the shift augmentation of `mnist-classifier`,
and registered with torch-fidelity as `mnist-lenet`. A verdict that holds in both feature spaces
is not an artefact of one small network (Stein et al. 2023 show rankings that change with the
feature network). Features: `penultimate` (84-d) for FID, KID and precision/recall; `logits`
for IS. Rebuild the shipped weights with `python -m benchbench.metrics.train_classifier lenet`.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from benchbench.metrics.mnist_classifier import MnistClassifierExtractor, checked_weights

WEIGHTS = Path(__file__).parent / "weights" / "mnist_lenet.pt"
WEIGHTS_INFO = WEIGHTS.with_suffix(".json")


class LeNet5(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)  # 28 x 28, as LeNet-5's 32 x 32 input padded
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.head = nn.Linear(84, 10)

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: N x 1 x 28 x 28 floats in [0, 1] -> (penultimate 84-d, logits 10-d)."""
        x = F.avg_pool2d(torch.tanh(self.conv1(x - 0.5)), 2)  # 14 x 14
        x = F.avg_pool2d(torch.tanh(self.conv2(x)), 2)  # 5 x 5
        hidden = torch.tanh(self.fc2(torch.tanh(self.fc1(x.flatten(1)))))
        return hidden, self.head(hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)[1]


class MnistLeNetExtractor(MnistClassifierExtractor):
    """torch-fidelity adapter: uint8 N x C x H x W (1 or 3 channels, any size), as mnist-classifier's."""

    def load_network(self) -> nn.Module:
        return checked_weights(LeNet5(), WEIGHTS, WEIGHTS_INFO, "python -m benchbench.metrics.train_classifier lenet")
