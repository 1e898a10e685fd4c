"""Suites: which families, datasets, seeds and budgets to run, from a TOML file or a built-in name.

    name = "default"
    claim = "began"          # a published claim the report checks on this run (benchbench/paper_claims.py)
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

    exclude = [{family = "began", dataset = "8gaussians"}]   # (top level) pairs not to run;
    dataset_seeds = {8gaussians = 10}   # and seeds for some datasets instead of `seeds`

    [[loaded]]               # a generator trained elsewhere, scored beside the trials
    path = "mine.pt2"        # (benchbench/loaded/entries.py lists its keys)
    z_size = 128

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
from benchbench.loaded.entries import LoadedEntry, parse_loaded
from benchbench.suite_fields import (
    list_of,
    parse_ablation,
    parse_dataset_seeds,
    parse_exclude,
    parse_seeds,
    parse_settings,
    parse_sweep,
    positive,
    variant_label,
)
from benchbench.training import Budget, Settings, Trial

TOP_LEVEL_KEYS = {
    "name", "description", "families", "datasets", "seeds", "budgets", "jobs", "settings", "family", "dataset",
    "hyperparameter_samples", "hyperparameter_seed", "sweep", "ablation", "claim", "exclude", "dataset_seeds",
    "loaded",
}  # fmt: skip


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
    # seeds for some datasets instead of `seeds`: a gate's cheap entries (2-D points) get more
    dataset_seeds: dict[str, list[int]] = field(default_factory=dict)
    loaded: list[LoadedEntry] = field(default_factory=list)  # generators trained elsewhere, scored beside

    def seeds_for(self, dataset: str) -> list[int]:
        return self.dataset_seeds.get(dataset, self.seeds)

    def excluded(self, family: str, dataset: str) -> bool:
        return any(
            rule.get("family", family) == family and rule.get("dataset", dataset) == dataset for rule in self.exclude
        )

    def variants(self, family: str) -> list[tuple[str, dict[str, Any]]]:
        """(label, overrides) per variant of a family: one unnamed variant unless it is swept
        (every combination) or ablated (the family as configured, then each change alone)."""
        if family in self.ablation:
            return [("", {})] + [(variant_label(changes), changes) for changes in self.ablation[family]]
        swept = self.sweep.get(family, {})
        if not swept:
            return [("", {})]
        keys = list(swept)
        return [
            (variant_label(dict(zip(keys, values))), dict(zip(keys, values)))
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
        runs = sum(
            len(self.variants(f)) * len(self.seeds_for(d))
            for f in self.families
            for d in self.datasets
            if not self.excluded(f, d)
        )
        count = len(self.budgets) * self.hyperparameter_samples * runs
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
            for seed in self.seeds_for(dataset)
            for family in self.families
            if not self.excluded(family, dataset)
            for variant, overrides in self.variants(family)
            for config in [settings[family][index]]
        ]

    def describe(self) -> dict[str, Any]:
        return (
            {
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
            }
            | ({"exclude": self.exclude} if self.exclude else {})
            | ({"dataset_seeds": self.dataset_seeds} if self.dataset_seeds else {})
            | ({"loaded": [entry.describe() for entry in self.loaded]} if self.loaded else {})
        )


def builtin_names() -> list[str]:
    return sorted(
        p.name[: -len(".toml")] for p in resources.files("benchbench.suites").iterdir() if p.name.endswith(".toml")
    )


@dataclass(frozen=True)
class Overrides:
    """What one run changes in its suite, from `benchbench run`'s flags or `benchbench.run()`'s
    arguments: applied to the suite file's table before it is parsed, so the suite is read and
    checked once, with its overrides, and its errors name where a value came from."""

    families: list[str] | None = None
    datasets: list[str] | None = None
    seeds: int | list[int] | None = None
    budgets: list[str] | None = None
    jobs: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # [settings] keys over the suite's
    family_config: dict[str, dict[str, Any]] = field(default_factory=dict)  # [family.NAME] keys over the suite's

    @property
    def changed(self) -> bool:
        """Whether the plan differs from its suite's (jobs only changes how it runs)."""
        values = (self.families, self.datasets, self.seeds, self.budgets)
        return any(v is not None for v in values) or bool(self.settings) or bool(self.family_config)

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """A suite table with these overrides in it (the table itself is left as it was)."""
        data = dict(data)
        for key, value in (
            ("families", self.families),
            ("datasets", self.datasets),
            ("seeds", self.seeds),
            ("budgets", self.budgets),
            ("jobs", self.jobs),
        ):
            if value is not None:
                data[key] = value
        if self.seeds is not None:  # the seeds asked for, on every dataset
            data.pop("dataset_seeds", None)
        data["settings"] = {**data.get("settings", {}), **self.settings}
        family = dict(data.get("family", {}))
        for name, overrides in self.family_config.items():
            family[name] = {**family.get(name, {}), **overrides}
        data["family"] = family
        return data


def load(name_or_path: str, overrides: Overrides | None = None) -> Suite:
    """A built-in suite by name, or a TOML file by path, with a run's overrides applied."""
    data, source, default_name = read_table(name_or_path)
    if overrides is not None:
        data, source = overrides.apply(data), "command line" if overrides.changed else source
    return from_dict(data, source, default_name=default_name)


def read_table(name_or_path: str) -> tuple[dict[str, Any], str, str]:
    """(the suite's TOML table, where it came from, the name it takes if it names none)."""
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
    return data, source, path.stem


def from_dict(data: dict[str, Any], source: str, default_name: str = "suite") -> Suite:
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise UserError(f"{source}: unknown keys {unknown} (known: {sorted(TOP_LEVEL_KEYS)})")
    families = list_of(data.get("families", ["wgan-gp", "began"]), str, "families", source)
    datasets = list_of(data.get("datasets", ["mnist"]), str, "datasets", source)
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
    budgets = [Budget.parse(b) for b in list_of(data.get("budgets", ["100s"]), str, "budgets", source)]
    jobs = data.get("jobs", 1)
    if not positive(jobs) or not isinstance(jobs, int):
        raise UserError(f"{source}: jobs must be a positive integer, got {jobs!r}")
    family_config = data.get("family", {})
    for family, overrides in family_config.items():
        resolve_config(FAMILIES.get(family), overrides)  # refuses unknown keys early
    dataset_options = data.get("dataset", {})
    for dataset in dataset_options:
        DATASETS.get(dataset)
    samples, hp_seed = data.get("hyperparameter_samples", 1), data.get("hyperparameter_seed", 0)
    if not positive(samples) or not isinstance(samples, int) or not isinstance(hp_seed, int):
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
        dataset_seeds=parse_dataset_seeds(data.get("dataset_seeds", {}), datasets, source),
        loaded=parse_loaded(data.get("loaded", []), datasets, source),
        budgets=budgets,
        jobs=jobs,
        settings=parse_settings(data.get("settings", {}), source),
        family_config=family_config,
        dataset_options=dataset_options,
    )
