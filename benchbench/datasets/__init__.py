"""Dataset registry. A dataset spec is `name` or `name:argument` (e.g. `folder:/data/faces`);
options from a suite file are passed as keyword arguments. Other installed packages add
datasets through the `benchbench.datasets` entry-point group: a callable returning a Dataset,
whose first parameter a `name:argument` spec fills."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

from benchbench.datasets import images, mnist, pairs, toy
from benchbench.datasets.base import SPLITS, BatchStream, Dataset
from benchbench.datasets.pairs import DomainPair
from benchbench.errors import UserError
from benchbench.registry import Registry


def _not_a_dataset(name: str, obj: object) -> str | None:
    return (
        None
        if callable(obj)
        else f"{obj!r} is not callable (a dataset entry point names a function returning a Dataset)"
    )


DATASETS: Registry[Callable[..., Dataset]] = Registry("dataset", group="benchbench.datasets", validate=_not_a_dataset)
DATASETS.register("mnist")(mnist.mnist)
DATASETS.register("8gaussians")(toy.eight_gaussians)
DATASETS.register("25gaussians")(toy.twenty_five_gaussians)
DATASETS.register("swissroll")(toy.swiss_roll)
DATASETS.register("folder")(images.image_folder)
DATASETS.register("cifar10")(images.cifar10)
DATASETS.register("celeba")(images.celeba)
DATASETS.register("digits-to-mnist")(pairs.digits_to_mnist)
DATASETS.register("pair")(pairs.folder_pair)

# The positional argument a `name:argument` spec fills, per dataset that takes one.
_SPEC_ARGUMENT = {"folder": "path", "pair": "path", "cifar10": "root", "celeba": "root"}
TAKES_ARGUMENT = frozenset(_SPEC_ARGUMENT)


_LOADED: dict[str, Dataset] = {}


def load(spec: str, **options: Any) -> Dataset:
    """Build a dataset from `name` or `name:argument` plus keyword options. Datasets are kept per
    process, so the trials of a suite (and the up-front check of the CLI) load each once."""
    key = json.dumps([spec, options], sort_keys=True, default=str)
    if key not in _LOADED:
        _LOADED[key] = _build(spec, options)
    return _LOADED[key]


def _build(spec: str, options: dict[str, Any]) -> Dataset:
    name, _, argument = spec.partition(":")
    factory = DATASETS.get(name)
    if argument:
        parameter = _spec_parameter(name, factory)
        if parameter is None:
            raise UserError(f"dataset {name!r} takes no ':' argument (got {spec!r})")
        options = {**options, parameter: argument}
    try:
        dataset = factory(**options)
    except TypeError as error:
        raise UserError(f"dataset {spec!r}: bad options {sorted(options)}: {error}") from None
    if not isinstance(dataset, Dataset):
        raise UserError(f"dataset {spec!r}: its factory returned {type(dataset).__name__}, not a benchbench.Dataset")
    return dataset


def _spec_parameter(name: str, factory: Callable[..., Dataset]) -> str | None:
    """The parameter a `name:argument` spec fills: the table's for a built-in, else a plugin's
    first parameter."""
    if DATASETS.origin(name).builtin:
        return _SPEC_ARGUMENT.get(name)
    try:
        parameters = list(inspect.signature(factory).parameters)
    except (TypeError, ValueError):
        return None
    return parameters[0] if parameters else None


__all__ = ["DATASETS", "SPLITS", "BatchStream", "Dataset", "DomainPair", "load"]
