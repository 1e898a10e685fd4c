"""The InfoGAN-style networks for 28x28 images that Lucic et al. 2018 ("Are GANs Created Equal?",
Table 6; google/compare_gan abstract_gan.py) use for every model, so families differ only in method.

Generator: FC 1024 - FC 7x7x128 - deconv 64 (4x4, stride 2) - deconv C, then tanh for pixels in
[-1, 1] or sigmoid for [0, 1] (compare_gan's and the BEGAN and WGAN-GP authors' MNIST codes); each
family chooses its pixel range (families/base.py).
Discriminator: conv 64 (4x4, stride 2) - conv 128 - FC 1024 - FC 1, leaky ReLU 0.2.
Autoencoder (BEGAN's discriminator in compare_gan BEGAN.py): the same two convolutions, a 64-d
code, and a decoder mirroring the generator; its output is linear (BEGAN's paper) or a sigmoid
(compare_gan, hwalsuklee), and compare_gan optionally batch-normalises the code and the decoder.
`width` scales every channel and FC size.
"""

from __future__ import annotations

import torch.nn as nn

from benchbench.nets.common import Reshape, activation, norm_1d, norm_2d, output_activation, scaled


def _upsampler(inputs: int, channels: int, width: float, norm: str, act: str, output: str) -> list[nn.Module]:
    """FC 7x7x128 - deconv 64 (4x4, stride 2) - deconv C: the generator's second half, and the
    decoder of BEGAN's autoencoder (layers, so that both keep one flat Sequential's weight names)."""
    c2, c1 = scaled(128, width), scaled(64, width)
    return [
        nn.Linear(inputs, c2 * 7 * 7),
        norm_1d(norm, c2 * 7 * 7),
        activation(act),
        Reshape(c2, 7, 7),
        nn.ConvTranspose2d(c2, c1, 4, 2, 1),
        norm_2d(norm, c1, 14),
        activation(act),
        nn.ConvTranspose2d(c1, channels, 4, 2, 1),
        output_activation(output),
    ]


def generator(
    shape: tuple[int, ...], latent_dim: int, width: float, norm: str, output: str = "tanh", act: str = "lrelu"
) -> nn.Module:
    fc = scaled(1024, width)
    return nn.Sequential(
        nn.Linear(latent_dim, fc),
        norm_1d(norm, fc),
        activation(act),
        *_upsampler(fc, shape[0], width, norm, act, output),
    )


def discriminator(shape: tuple[int, ...], width: float, norm: str, act: str = "lrelu") -> nn.Module:
    channels = shape[0]
    c1, c2, fc = scaled(64, width), scaled(128, width), scaled(1024, width)
    return nn.Sequential(
        nn.Conv2d(channels, c1, 4, 2, 1),
        activation(act),
        nn.Conv2d(c1, c2, 4, 2, 1),
        norm_2d(norm, c2, 7),
        activation(act),
        nn.Flatten(),
        nn.Linear(c2 * 7 * 7, fc),
        norm_1d(norm, fc),
        activation(act),
        nn.Linear(fc, 1),
        nn.Flatten(0),
    )


def autoencoder(
    shape: tuple[int, ...], width: float, code_dim: int, act: str = "elu", norm: str = "none", output: str = "linear"
) -> nn.Module:
    channels = shape[0]
    c1, c2 = scaled(64, width), scaled(128, width)
    return nn.Sequential(
        nn.Conv2d(channels, c1, 4, 2, 1),
        activation(act),
        nn.Conv2d(c1, c2, 4, 2, 1),
        activation(act),
        nn.Flatten(),
        nn.Linear(c2 * 7 * 7, code_dim),
        norm_1d(norm, code_dim),
        activation(act),
        *_upsampler(code_dim, channels, width, norm, act, output),
    )
