"""Small building blocks shared by the architectures."""

from __future__ import annotations

import torch
import torch.nn as nn


def scaled(channels: int, width: float) -> int:
    """Channel count under a width multiplier (at least 1)."""
    return max(1, int(round(channels * width)))


def norm_1d(kind: str, features: int) -> nn.Module:
    return {"batch": nn.BatchNorm1d(features), "layer": nn.LayerNorm(features), "none": nn.Identity()}[kind]


def norm_2d(kind: str, channels: int, spatial: int) -> nn.Module:
    """Batch norm, or layer norm over (C, H, W) as WGAN-GP's authors suggest for a critic."""
    if kind == "layer":
        return nn.LayerNorm([channels, spatial, spatial])
    return {"batch": nn.BatchNorm2d(channels), "none": nn.Identity()}[kind]


def activation(kind: str) -> nn.Module:
    return {"relu": nn.ReLU(), "lrelu": nn.LeakyReLU(0.2), "elu": nn.ELU()}[kind]


def output_activation(kind: str) -> nn.Module:
    """The last layer's squashing: tanh for pixels in [-1, 1], sigmoid for [0, 1], or none."""
    return {"tanh": nn.Tanh(), "sigmoid": nn.Sigmoid(), "linear": nn.Identity()}[kind]


class Reshape(nn.Module):
    def __init__(self, *shape: int) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.shape[0], *self.shape)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
