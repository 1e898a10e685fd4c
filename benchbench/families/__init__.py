"""GAN family registry: one file per family, registered by its name."""

from __future__ import annotations

from benchbench.families.base import Family, resolve_config
from benchbench.families.began import BEGAN
from benchbench.families.cyclegan import CycleGAN
from benchbench.families.dcgan import DCGAN
from benchbench.families.progan import ProGAN
from benchbench.families.wgan import WGAN
from benchbench.families.wgan_gp import WGANGP
from benchbench.registry import Registry

FAMILIES: Registry[type[Family]] = Registry("family")
FAMILIES.register(WGANGP.name)(WGANGP)
FAMILIES.register(BEGAN.name)(BEGAN)
FAMILIES.register(WGAN.name)(WGAN)
FAMILIES.register(DCGAN.name)(DCGAN)
FAMILIES.register(ProGAN.name)(ProGAN)
FAMILIES.register(CycleGAN.name)(CycleGAN)

__all__ = ["FAMILIES", "Family", "resolve_config"]
