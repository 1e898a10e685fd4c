"""MLPs for 2-D points, as in the WGAN-GP authors' gan_toy.py: three hidden ReLU layers of 512
units for both generator and critic, 2-d Gaussian noise. `width` scales the 512."""

from __future__ import annotations

import torch.nn as nn

from benchbench.nets.common import activation, norm_1d, scaled


def _stack(inputs: int, hidden: int, outputs: int, layers: int, norm: str, act: str) -> list[nn.Module]:
    modules: list[nn.Module] = []
    for i in range(layers):
        modules += [nn.Linear(inputs if i == 0 else hidden, hidden), norm_1d(norm, hidden), activation(act)]
    return modules + [nn.Linear(hidden, outputs)]


def generator(
    shape: tuple[int, ...], latent_dim: int, width: float, norm: str, output: str = "linear", act: str = "relu"
) -> nn.Module:
    """Points are unbounded: the output stays linear whatever `output` an image family asks for."""
    return nn.Sequential(*_stack(latent_dim, scaled(512, width), shape[0], 3, norm, act))


def discriminator(shape: tuple[int, ...], width: float, norm: str, act: str = "relu") -> nn.Module:
    return nn.Sequential(*_stack(shape[0], scaled(512, width), 1, 3, norm, act), nn.Flatten(0))


def autoencoder(
    shape: tuple[int, ...], width: float, code_dim: int, act: str = "elu", norm: str = "none", output: str = "linear"
) -> nn.Module:
    hidden = scaled(512, width)
    encoder = _stack(shape[0], hidden, code_dim, 2, "none", act)
    decoder = _stack(code_dim, hidden, shape[0], 2, norm, act)
    return nn.Sequential(*encoder, activation(act), *decoder)
