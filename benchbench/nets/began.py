"""BEGAN's own networks (Berthelot et al. 2017, Fig. 1), for BEGAN's `architecture = "paper"`.

Decoder (also the generator): FC from the code to n x 8 x 8, then per resolution two 3x3
convolutions with ELU and a nearest-neighbour upsampling, and a last 3x3 convolution to the
image's channels. Encoder: a 3x3 convolution, then per resolution two 3x3 convolutions and a
stride-2 subsampling convolution that adds n channels, and an FC layer to the code. The paper
has no batch norm; `norm = "batch"` adds it after each convolution pair's convolutions of the
decoder (as compare_gan's option does to its autoencoder's decoder), for ablations.
The paper's n is 64 (carpedm20's code: 128); `width` scales it. The first resolution is the image
size halved until it is at most 8: 8 x 8 for 32 and 64 pixels, 7 x 7 for MNIST's 28.
"""

from __future__ import annotations

import torch.nn as nn

from benchbench.errors import UserError
from benchbench.nets.common import Reshape, activation, norm_2d, output_activation, scaled


def _base(shape: tuple[int, ...]) -> tuple[int, int]:
    """(first resolution, number of doublings to the image size)."""
    if len(shape) != 3 or shape[1] != shape[2] or shape[1] < 8:
        raise UserError(f"BEGAN's paper architecture needs square images of 8 pixels or more, got {shape}")
    size, doublings = shape[1], 0
    while size > 8 and size % 2 == 0:
        size, doublings = size // 2, doublings + 1
    return size, doublings


def _pair(c_in: int, c_out: int, act: str, norm: str = "none", spatial: int = 0) -> list[nn.Module]:
    return [
        nn.Conv2d(c_in, c_out, 3, 1, 1),
        norm_2d(norm, c_out, spatial),
        activation(act),
        nn.Conv2d(c_out, c_out, 3, 1, 1),
        norm_2d(norm, c_out, spatial),
        activation(act),
    ]


def decoder(
    shape: tuple[int, ...], code_dim: int, width: float, act: str = "elu", output: str = "linear", norm: str = "none"
) -> nn.Module:
    size, doublings = _base(shape)
    n = scaled(64, width)
    layers: list[nn.Module] = [nn.Linear(code_dim, n * size * size), Reshape(n, size, size)]
    for level in range(doublings):
        layers += [*_pair(n, n, act, norm, size * 2**level), nn.Upsample(scale_factor=2, mode="nearest")]
    return nn.Sequential(
        *layers, *_pair(n, n, act, norm, shape[1]), nn.Conv2d(n, shape[0], 3, 1, 1), output_activation(output)
    )


def encoder(shape: tuple[int, ...], code_dim: int, width: float, act: str = "elu") -> nn.Module:
    size, doublings = _base(shape)
    n = scaled(64, width)
    layers: list[nn.Module] = [nn.Conv2d(shape[0], n, 3, 1, 1), activation(act)]
    channels = n
    for level in range(doublings):
        layers += [*_pair(channels, channels, act), nn.Conv2d(channels, n * (level + 2), 3, 2, 1), activation(act)]
        channels = n * (level + 2)
    return nn.Sequential(
        *layers, *_pair(channels, channels, act), nn.Flatten(), nn.Linear(channels * size * size, code_dim)
    )


def generator(shape: tuple[int, ...], latent_dim: int, width: float, output: str = "linear") -> nn.Module:
    return decoder(shape, latent_dim, width, output=output)


def autoencoder(
    shape: tuple[int, ...], width: float, code_dim: int, act: str = "elu", norm: str = "none", output: str = "linear"
) -> nn.Module:
    return nn.Sequential(encoder(shape, code_dim, width, act), decoder(shape, code_dim, width, act, output, norm))
