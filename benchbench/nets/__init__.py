"""Architectures shared across families, so that a comparison isolates the training method.

An architecture offers three networks for a data shape: a generator (latent -> sample), a
discriminator (sample -> one score) and an autoencoder (sample -> reconstruction). A family
asks for the discriminator kind its paper uses; every family gets the same generator unless
its paper brings its own (its last activation follows the family's pixel range).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import torch.nn as nn

from benchbench.nets import dcgan, infogan, mlp
from benchbench.nets.common import count_parameters
from benchbench.registry import Registry

ARCHITECTURES: Registry[ModuleType] = Registry("architecture")
ARCHITECTURES.register("infogan28")(infogan)
ARCHITECTURES.register("dcgan")(dcgan)
ARCHITECTURES.register("mlp")(mlp)

# Latent sizes: 64 for images (Lucic et al. 2018), 2 for 2-D points (gan_toy.py).
DEFAULT_LATENT_DIM = {"infogan28": 64, "dcgan": 128, "mlp": 2}


@dataclass(frozen=True)
class NetSpec:
    """Everything needed to build a trial's networks; recorded with every result."""

    arch: str
    shape: tuple[int, ...]
    latent_dim: int
    width: float
    g_norm: str = "none"
    source_shape: tuple[int, ...] | None = None  # a translation family's input images (CycleGAN)

    @property
    def kind(self) -> str:
        """ "points" for vectors (N x D data), "image" for N x C x H x W."""
        return "points" if len(self.shape) == 1 else "image"

    def generator(self, output: str = "tanh") -> nn.Module:
        """latents (N x latent_dim) -> samples shaped like the data (N x D, or N x C x H x W).
        output: the last activation, "tanh" for pixels in [-1, 1], "sigmoid" for [0, 1],
        "linear" for none (points)."""
        return ARCHITECTURES.get(self.arch).generator(self.shape, self.latent_dim, self.width, self.g_norm, output)

    def discriminator(self, norm: str = "none") -> nn.Module:
        """data -> one raw score per sample, shape (N,): no sigmoid, so a family applies the loss
        it states (`F.binary_cross_entropy_with_logits`, a critic's mean, a least-squares target)."""
        return ARCHITECTURES.get(self.arch).discriminator(self.shape, self.width, norm)

    def autoencoder(self, code_dim: int, act: str = "elu", norm: str = "none", output: str = "linear") -> nn.Module:
        """data -> its reconstruction, the same shape (BEGAN's discriminator), through a code of code_dim."""
        return ARCHITECTURES.get(self.arch).autoencoder(self.shape, self.width, code_dim, act, norm, output)


__all__ = ["ARCHITECTURES", "DEFAULT_LATENT_DIM", "NetSpec", "count_parameters"]
