"""Suites: which families, datasets, seeds and budgets to run, from a TOML file or a built-in name.

    name = "default"
    claim = "began"          # a published claim the report checks on this run (benchbench/claims.py)
    families = ["wgan-gp", "began"]
    datasets = ["mnist"]
    seeds = 3                # or an explicit list, [0, 1, 2]
    budgets = ["100s"]       # one comparison per budget; every family gets the same budget
    jobs = 2                 # trials run at once (processes); the cores are split between them

    [settings]               # trainer settings shared by all families (see training.trial.Settings)
    width = 0.25

    [family.began]           # a family's hyperparameters, over its published defaults
    gamma = 0.5

    [dataset.folder]         # options passed to a dataset's loader
    resolution = 32

    [sweep.began]            # variants of a family, compared as entries of their own
    gamma = [0.3, 0.5, 0.7]  # (here three: "began gamma=0.3", ...); several keys: every combination

    [[ablation.began]]       # or: one change at a time, each table a variant beside the family
    gamma = 0.75             # as configured ("began" and "began gamma=0.75 ...")

    exclude = [{family = "began", dataset = "8gaussians"}]   # (top level) pairs not to run

Top-level keys (claim too) come before the first [table]: TOML reads a key after a table header
into that table.

With `hyperparameter_samples = K` (a top-level key), each family also runs K - 1 settings drawn
from its published ranges, for budget curves (expected best FID against settings tried).

Unknown keys are refused, never ignored: a typo must not silently run the wrong experiment.
"""

from __future__ import annotations

import dataclasses
import itertools
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from benchbench.datasets import DATASETS
from benchbench.errors import UserError
from benchbench.families import FAMILIES, resolve_config
from benchbench.training import Budget, Settings, Trial

TOP_LEVEL_KEYS = {
    "name",
    "description",
    "families",
    "datasets",
    "seeds",
    "budgets",
    "jobs",
    "settings",
    "family",
    "dataset",
    "hyperparameter_samples",
    "hyperparameter_seed",
    "sweep",
    "ablation",
    "claim",
    "exclude",
}


# More trials than this in one run is a typo (seeds = 1000000) more often than a plan: at a few
# seconds each it would not finish in days, and planning it alone takes minutes.
MAX_TRIALS = 10_000


@dataclass
class Suite:
    name: str
    families: list[str]
    datasets: list[str]
    seeds: list[int]
    budgets: list[Budget]
    jobs: int = 1
    description: str = ""
    settings: Settings = field(default_factory=Settings)
    family_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    dataset_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    hyperparameter_samples: int = 1
    hyperparameter_seed: int = 0
    sweep: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    ablation: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    claim: str | None = None
    # family/dataset pairs left out of the plan (as a CI matrix's exclude): {"family": ..., "dataset": ...}
    exclude: list[dict[str, str]] = field(default_factory=list)

    def excluded(self, family: str, dataset: str) -> bool:
        return any(
            rule.get("family", family) == family and rule.get("dataset", dataset) == dataset for rule in self.exclude
        )

    def variants(self, family: str) -> list[tuple[str, dict[str, Any]]]:
        """(label, overrides) per variant of a family: one unnamed variant unless it is swept
        (every combination) or ablated (the family as configured, then each change alone)."""
        if family in self.ablation:
            return [("", {})] + [(_label(changes), changes) for changes in self.ablation[family]]
        swept = self.sweep.get(family, {})
        if not swept:
            return [("", {})]
        keys = list(swept)
        return [
            (_label(dict(zip(keys, values))), dict(zip(keys, values)))
            for values in itertools.product(*(swept[k] for k in keys))
        ]

    def family_settings(self, family: str) -> list[dict[str, Any]]:
        """Setting 0 is the suite's own (published defaults plus its overrides); settings 1..K-1
        draw every searched hyperparameter from the family's published ranges (Lucic et al. 2018)."""
        own = self.family_config.get(family, {})
        rng = np.random.default_rng([self.hyperparameter_seed, sum(map(ord, family))])
        cls = FAMILIES.get(family)
        return [own] + [{**own, **cls.sample_config(rng)} for _ in range(self.hyperparameter_samples - 1)]

    def plan(self) -> list[Trial]:
        """Every trial, seeds outermost and families interleaved, so that an interrupted or
        parallel run has compared the families on the same seeds first."""
        pairs = sum(len(self.variants(f)) for f in self.families for d in self.datasets if not self.excluded(f, d))
        count = len(self.budgets) * self.hyperparameter_samples * len(self.seeds) * pairs
        if count == 0:
            raise UserError(f"suite {self.name!r} plans no trial: exclude leaves out every family and dataset pair")
        if count > MAX_TRIALS:  # refused before any work: planning alone would take minutes
            raise UserError(
                f"suite {self.name!r} plans {count:,} trials; at most {MAX_TRIALS:,} per run "
                "(fewer seeds, or split the seeds across runs)"
            )
        settings = {family: self.family_settings(family) for family in self.families}
        return [
            Trial(
                family,
                dataset,
                seed,
                budget,
                self.settings,
                {**config, **overrides},
                self.dataset_options.get(dataset.partition(":")[0], {}),
                setting=index,
                variant=variant,
            )
            for budget in self.budgets
            for dataset in self.datasets
            for index in range(self.hyperparameter_samples)
            for seed in self.seeds
            for family in self.families
            if not self.excluded(family, dataset)
            for variant, overrides in self.variants(family)
            for config in [settings[family][index]]
        ]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "families": self.families,
            "datasets": self.datasets,
            "seeds": self.seeds,
            "budgets": [str(b) for b in self.budgets],
            "jobs": self.jobs,
            "settings": dataclasses.asdict(self.settings),
            "family": self.family_config,
            "dataset": self.dataset_options,
            "hyperparameter_samples": self.hyperparameter_samples,
            "hyperparameter_seed": self.hyperparameter_seed,
            "sweep": self.sweep,
            "ablation": self.ablation,
            "claim": self.claim,
        } | ({"exclude": self.exclude} if self.exclude else {})


def builtin_names() -> list[str]:
    return sorted(
        p.name[: -len(".toml")] for p in resources.files("benchbench.suites").iterdir() if p.name.endswith(".toml")
    )


def load(name_or_path: str) -> Suite:
    """A built-in suite by name, or a TOML file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise UserError(f"suite file {path} does not exist")
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except UnicodeDecodeError:
            raise UserError(f"suite file {path} is not UTF-8 text (a TOML file is)") from None
    elif name_or_path in builtin_names():
        text = resources.files("benchbench.suites").joinpath(f"{name_or_path}.toml").read_text()
        source = f"built-in suite {name_or_path!r}"
    else:
        raise UserError(f"no suite {name_or_path!r}: not a file, nor a built-in suite ({', '.join(builtin_names())})")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{source} is not valid TOML: {' '.join(str(error).split())}") from None
    if not data:
        raise UserError(
            f"{source} is empty: name at least the families and datasets to run "
            "(`benchbench run` alone runs the default suite)"
        )
    return from_dict(data, source, default_name=path.stem)


def _list_of(value: Any, kind: type, key: str, source: str) -> list[Any]:
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
    seeds = _list_of(value, int, "seeds", source)
    if len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise UserError(f"{source}: seeds must be distinct non-negative integers, got {seeds}")
    return seeds


def parse_settings(values: dict[str, Any], source: str) -> Settings:
    known = {f.name: f for f in dataclasses.fields(Settings)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UserError(f"{source}: unknown settings {unknown} (known: {sorted(known)})")
    settings = Settings(**values)
    problems = [
        f"{name} must be positive"
        for name in ("batch_size", "width", "eval_points", "eval_samples", "final_samples", "checkpoint_seconds")
        if not _positive(getattr(settings, name))
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


def _label(changes: dict[str, Any]) -> str:
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
        labels = [_label(changes) for changes in variants]
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


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def from_dict(data: dict[str, Any], source: str, default_name: str = "suite") -> Suite:
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise UserError(f"{source}: unknown keys {unknown} (known: {sorted(TOP_LEVEL_KEYS)})")
    families = _list_of(data.get("families", ["wgan-gp", "began"]), str, "families", source)
    datasets = _list_of(data.get("datasets", ["mnist"]), str, "datasets", source)
    for key, values in (("families", families), ("datasets", datasets)):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise UserError(f"{source}: {key} names {', '.join(repeated)} more than once")
    name = str(data.get("name", default_name))
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        raise UserError(f"{source}: name {name!r} must be a plain folder name (it names results/NAME)")
    for family in families:
        FAMILIES.get(family)
    for dataset in datasets:
        DATASETS.get(dataset.partition(":")[0])
    budgets = [Budget.parse(b) for b in _list_of(data.get("budgets", ["100s"]), str, "budgets", source)]
    jobs = data.get("jobs", 1)
    if not _positive(jobs) or not isinstance(jobs, int):
        raise UserError(f"{source}: jobs must be a positive integer, got {jobs!r}")
    family_config = data.get("family", {})
    for family, overrides in family_config.items():
        resolve_config(FAMILIES.get(family), overrides)  # refuses unknown keys early
    dataset_options = data.get("dataset", {})
    for dataset in dataset_options:
        DATASETS.get(dataset)
    samples, hp_seed = data.get("hyperparameter_samples", 1), data.get("hyperparameter_seed", 0)
    if not _positive(samples) or not isinstance(samples, int) or not isinstance(hp_seed, int):
        raise UserError(
            f"{source}: hyperparameter_samples must be a positive integer and hyperparameter_seed "
            f"an integer, got {samples!r} and {hp_seed!r}"
        )
    sweep = parse_sweep(data.get("sweep", {}), families, source)
    ablation = parse_ablation(data.get("ablation", {}), families, sweep, source)
    exclude = parse_exclude(data.get("exclude", []), source)
    claim = data.get("claim")
    if claim is not None:
        from benchbench.report.claims import CLAIMS

        CLAIMS.get(claim)
    return Suite(
        sweep=sweep,
        ablation=ablation,
        claim=claim,
        exclude=exclude,
        hyperparameter_samples=samples,
        hyperparameter_seed=hp_seed,
        name=name,
        description=str(data.get("description", "")),
        families=families,
        datasets=datasets,
        seeds=parse_seeds(data.get("seeds", 3), source),
        budgets=budgets,
        jobs=jobs,
        settings=parse_settings(data.get("settings", {}), source),
        family_config=family_config,
        dataset_options=dataset_options,
    )
