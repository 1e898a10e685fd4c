"""GAN family registry: one file per family, registered by its name.

Families of other installed packages join through the `benchbench.families` entry-point group,
and any Family subclass can be named as `package.module:Class` (registry.py)."""

from __future__ import annotations

from typing import Any

from benchbench.families.base import Family, resolve_config
from benchbench.families.began import BEGAN
from benchbench.families.cyclegan import CycleGAN
from benchbench.families.dcgan import DCGAN
from benchbench.families.progan import ProGAN
from benchbench.families.wgan import WGAN
from benchbench.families.wgan_gp import WGANGP
from benchbench.registry import Registry


def _not_a_family(name: str, obj: Any) -> str | None:
    if not (isinstance(obj, type) and issubclass(obj, Family)):
        return f"{obj!r} is not a subclass of benchbench.Family"
    if getattr(obj, "__abstractmethods__", None):
        return f"{obj.__name__} does not define {', '.join(sorted(obj.__abstractmethods__))}"
    if ":" not in name and getattr(obj, "name", name) != name:
        return f"it is registered as {name!r} but {obj.__name__}.name is {obj.name!r}"
    return None


FAMILIES: Registry[type[Family]] = Registry(
    "family", group="benchbench.families", validate=_not_a_family, importable=True
)
for _builtin in (WGANGP, BEGAN, WGAN, DCGAN, ProGAN, CycleGAN):
    FAMILIES.register(_builtin.name)(_builtin)

__all__ = ["FAMILIES", "Family", "resolve_config"]
