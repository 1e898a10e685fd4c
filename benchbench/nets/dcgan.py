"""DCGAN-style convolutional networks (Radford et al. 2016) for square images of 16x16 and up:
the generator doubles the resolution from 4x4 with 4x4 stride-2 transposed convolutions, halving
the channels (64 * width at the last hidden layer); the discriminator mirrors it."""

from __future__ import annotations

import math

import torch.nn as nn

from benchbench.nets.common import Reshape, activation, norm_1d, norm_2d, output_activation, scaled


def _levels(shape: tuple[int, ...], width: float) -> list[int]:
    """Channels per resolution level, from 4x4 up to the last hidden level."""
    doublings = int(math.log2(shape[1] // 4))
    return [scaled(64 * 2 ** (doublings - 1 - i), width) for i in range(doublings)]


def _upsampler(shape: tuple[int, ...], channels: list[int], norm: str, act: str, output: nn.Module) -> list[nn.Module]:
    modules: list[nn.Module] = []
    for i, (c_in, c_out) in enumerate(zip(channels, channels[1:] + [shape[0]])):
        modules.append(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1))
        if i < len(channels) - 1:
            modules += [norm_2d(norm, c_out, 8 * 2**i), activation(act)]
    return modules + [output]


def _downsampler(shape: tuple[int, ...], channels: list[int], norm: str, act: str) -> list[nn.Module]:
    modules: list[nn.Module] = []
    reversed_channels = channels[::-1]
    for i, (c_in, c_out) in enumerate(zip([shape[0]] + reversed_channels[:-1], reversed_channels)):
        modules.append(nn.Conv2d(c_in, c_out, 4, 2, 1))
        if i > 0:  # no normalisation on the first layer, as in DCGAN
            modules.append(norm_2d(norm, c_out, shape[1] // 2 ** (i + 1)))
        modules.append(activation(act))
    return modules


def generator(
    shape: tuple[int, ...], latent_dim: int, width: float, norm: str, output: str = "tanh", act: str = "relu"
) -> nn.Module:
    channels = _levels(shape, width)
    return nn.Sequential(
        nn.Linear(latent_dim, channels[0] * 16),
        Reshape(channels[0] * 16),
        nn.BatchNorm1d(channels[0] * 16) if norm == "batch" else nn.Identity(),
        activation(act),
        Reshape(channels[0], 4, 4),
        *_upsampler(shape, channels, norm, act, output_activation(output)),
    )


def discriminator(shape: tuple[int, ...], width: float, norm: str, act: str = "lrelu") -> nn.Module:
    channels = _levels(shape, width)
    return nn.Sequential(
        *_downsampler(shape, channels, norm, act), nn.Flatten(), nn.Linear(channels[0] * 16, 1), nn.Flatten(0)
    )


def autoencoder(
    shape: tuple[int, ...], width: float, code_dim: int, act: str = "elu", norm: str = "none", output: str = "linear"
) -> nn.Module:
    """The encoder has no normalisation (BEGAN's and compare_gan's); `norm` applies to the code
    and the decoder, as compare_gan's discriminator batch norm does."""
    channels = _levels(shape, width)
    return nn.Sequential(
        *_downsampler(shape, channels, "none", act),
        nn.Flatten(),
        nn.Linear(channels[0] * 16, code_dim),
        norm_1d(norm, code_dim),
        activation(act),
        nn.Linear(code_dim, channels[0] * 16),
        norm_1d(norm, channels[0] * 16),
        activation(act),
        Reshape(channels[0], 4, 4),
        *_upsampler(shape, channels, norm, act, output_activation(output)),
    )
