"""Each field of a suite file, checked and parsed: seeds, trainer settings, sweeps, ablations and
exclusions. A value a family, dataset or extractor would refuse mid-run is refused here, with the
suite file (or "command line") named, before any work."""

from __future__ import annotations

import dataclasses
from typing import Any

from benchbench.datasets import DATASETS
from benchbench.errors import UserError
from benchbench.families import FAMILIES, resolve_config
from benchbench.training import Settings


def list_of(value: Any, kind: type, key: str, source: str) -> list[Any]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, kind) and not isinstance(v, bool) for v in values):
        raise UserError(f"{source}: {key} must be a non-empty list of {kind.__name__}, got {value!r}")
    return values


def parse_seeds(value: Any, source: str = "seeds") -> list[int]:
    """An int n means seeds 0..n-1; a list is taken as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise UserError(f"{source}: the number of seeds must be at least 1, got {value}")
        return list(range(value))
    seeds = list_of(value, int, "seeds", source)
    if len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise UserError(f"{source}: seeds must be distinct non-negative integers, got {seeds}")
    return seeds


def parse_dataset_seeds(value: Any, datasets: list[str], source: str) -> dict[str, list[int]]:
    """`dataset_seeds = {8gaussians = 10}`: seeds for some of the suite's datasets instead of `seeds`."""
    if not isinstance(value, dict) or any(name not in datasets for name in value):
        raise UserError(
            f"{source}: dataset_seeds maps datasets of the suite ({', '.join(datasets)}) to seeds, got {value!r}"
        )
    return {name: parse_seeds(seeds, f"{source}: dataset_seeds.{name}") for name, seeds in value.items()}


def parse_settings(values: dict[str, Any], source: str) -> Settings:
    known = {f.name: f for f in dataclasses.fields(Settings)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UserError(f"{source}: unknown settings {unknown} (known: {sorted(known)})")
    settings = Settings(**values)
    problems = [
        f"{name} must be positive"
        for name in ("batch_size", "width", "eval_points", "eval_samples", "final_samples", "checkpoint_seconds")
        if not positive(getattr(settings, name))
    ]
    from benchbench.metrics import EXTRACTORS

    for name in [settings.extractor, *(settings.final_extractors or [])]:
        if name is not None and EXTRACTORS.get(name).check_available:
            EXTRACTORS.get(name).check_available()  # a missing package: refused now, not mid-run
    rule = settings.fid_threshold
    if (
        isinstance(rule, str)
        and not _is_multiple(rule)
        or isinstance(rule, bool)
        or (isinstance(rule, (int, float)) and rule <= 0)
    ):
        problems.append(f"fid_threshold must be a positive number or a multiple like '50x', got {rule!r}")
    if settings.g_norm not in ("none", "batch", "layer"):
        problems.append("g_norm must be none, batch or layer")
    if not isinstance(settings.swd_samples, int) or isinstance(settings.swd_samples, bool) or settings.swd_samples < 0:
        problems.append("swd_samples must be a whole number >= 0")
    import benchbench.training.speed as speed

    problems += speed.check(settings)
    if settings.eval_samples < 2 or settings.final_samples < 2:
        problems.append("eval_samples and final_samples must be at least 2")
    if problems:
        raise UserError(f"{source}: " + "; ".join(problems))
    return settings


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def variant_label(changes: dict[str, Any]) -> str:
    """A variant's name in reports: its settings, "gamma=0.75 ae_norm=batch"."""
    return " ".join(f"{key}={_text(value)}" for key, value in changes.items())


def parse_sweep(data: Any, families: list[str], source: str) -> dict[str, dict[str, list[Any]]]:
    """[sweep.FAMILY] KEY = [values]: each value must be one the family accepts."""
    if not isinstance(data, dict):
        raise UserError(f"{source}: sweep must be a table of [sweep.FAMILY] tables")
    for family, keys in data.items():
        if family not in families:
            raise UserError(f"{source}: sweep names {family!r}, which is not among the families {families}")
        if not isinstance(keys, dict) or not keys:
            raise UserError(f"{source}: [sweep.{family}] must set at least one key to a list of values")
        for key, values in keys.items():
            if not isinstance(values, list) or not values:
                raise UserError(f"{source}: sweep.{family}.{key} must be a non-empty list, got {values!r}")
            for value in values:
                resolve_config(FAMILIES.get(family), {key: value})
    return data


def parse_ablation(data: Any, families: list[str], sweep: dict[str, Any], source: str) -> dict[str, list[dict]]:
    """[[ablation.FAMILY]] tables: each a set of changes the family accepts, run as one variant."""
    if not isinstance(data, dict):
        raise UserError(f"{source}: ablation must be a table of [[ablation.FAMILY]] tables")
    for family, variants in data.items():
        if family not in families:
            raise UserError(f"{source}: ablation names {family!r}, which is not among the families {families}")
        if family in sweep:
            raise UserError(
                f"{source}: {family!r} is both swept and ablated; use one of [sweep.{family}] and [[ablation.{family}]]"
            )
        if not isinstance(variants, list) or not variants or not all(isinstance(v, dict) and v for v in variants):
            raise UserError(f"{source}: each [[ablation.{family}]] table must set at least one key")
        for changes in variants:
            resolve_config(FAMILIES.get(family), changes)
        labels = [variant_label(changes) for changes in variants]
        if len(set(labels)) != len(labels):
            raise UserError(f"{source}: [[ablation.{family}]] repeats a variant")
    return data


def parse_exclude(data: Any, source: str) -> list[dict[str, str]]:
    """exclude = [{family = ..., dataset = ...}, ...]: each table names a registered family, a
    registered dataset, or both."""
    if not isinstance(data, list) or not all(isinstance(rule, dict) for rule in data):
        raise UserError(
            f'{source}: exclude must be a list of tables, e.g. [{{family = "began", dataset = "8gaussians"}}]'
        )
    for rule in data:
        if not rule or set(rule) - {"family", "dataset"} or not all(isinstance(v, str) for v in rule.values()):
            raise UserError(f"{source}: each exclude table names a family, a dataset or both (text), got {rule!r}")
        if "family" in rule:
            FAMILIES.get(rule["family"])
        if "dataset" in rule:
            DATASETS.get(rule["dataset"].partition(":")[0])
    return data


def _is_multiple(text: str) -> bool:
    try:
        return text.endswith("x") and float(text[:-1]) > 0
    except ValueError:
        return False


def positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
