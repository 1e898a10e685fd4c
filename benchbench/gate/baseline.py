"""A baseline: a run condensed into one entry per experiment, with every seed's value of each
gated metric.

An entry is keyed by everything that defines the experiment (`KEY`): the family or its swept
variant, the hyperparameter setting of a study, the dataset, the budget, and the feature
extractor with its weights. Two budgets or two settings are two entries, never pooled into one
mean and spread. The seeds' values are kept, not only their mean and spread, so that a check
can test the difference and a history can pool records.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from benchbench.errors import UserError
from benchbench.metrics.catalog import METRICS
from benchbench.report.entries import configured_names
from benchbench.results import read_json
from benchbench.results.outcomes import outcomes

GATE_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1: keyed by (family, dataset); read while its budget is single
SPEED = "relative_speed"  # images/s over the speed reference timed in the same process (CPU time on a CPU)
WALL_SPEED = "wall_relative_speed"  # the same ratio, both timed by the wall clock
SPEEDS = (SPEED, WALL_SPEED)
ABSOLUTE_SPEED = "images_per_second"  # recorded for the reader; never gated (a busy neighbour moves it)
# What identifies an experiment; the column in a runs table, and its label in messages.
KEY = (
    ("entry", "entry"),
    ("setting", "setting"),
    ("dataset", "dataset"),
    ("budget", "budget"),
    ("extractor", "extractor"),
    ("extractor_weights", "extractor weights"),
)


def gated_columns() -> list[str]:
    return [m.column for m in METRICS.in_order() if m.gated] + list(SPEEDS)


def direction(column: str) -> tuple[bool, tuple[float, float] | None]:
    """(higher is better, bounds) of a gated column."""
    if column in (*SPEEDS, ABSOLUTE_SPEED):
        return True, None
    info = METRICS.get(column.removeprefix("final_"))
    return not info.lower_is_better, info.bounds


def floor_of(column: str) -> float | None:
    """The catalogue's absolute minimum effect of a gated column (None: relative alone)."""
    name = column.removeprefix("final_")
    return METRICS.get(name).floor if name in METRICS else None


def primary_column(held: Any) -> str | None:
    """The column whose lost seeds count for an entry: its first gated quality metric, in
    catalogue order, among the columns held (a runs table's columns with a value, or a baseline
    entry's metrics): FID on images, SWD on points."""
    return next((c for c in gated_columns() if c not in SPEEDS and c in held), None)


def keyed(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs with the key's columns filled: family or variant names, setting 0 and extractor "none" where
    a run has no such column (toy data has no extractor)."""
    frame = runs.copy()
    frame["entry"] = configured_names(frame)
    frame["setting"] = frame["setting"].fillna(0).astype(int) if "setting" in frame else 0
    for column in ("extractor", "extractor_weights"):
        frame[column] = frame[column].fillna("none").astype(str) if column in frame else "none"
    frame["budget"] = frame["budget"].astype(str)
    return frame


def key_of(entry: dict[str, Any]) -> tuple:
    return tuple(
        entry.get(column if column != "entry" else "family", 0 if column == "setting" else "none") for column, _ in KEY
    )


def describe_key(key: tuple) -> str:
    entry, setting, dataset, budget, extractor, _ = key
    shown = f"{entry}{f' (setting {setting})' if setting else ''} on {dataset} at {budget}"
    return shown + (f", {extractor}" if extractor != "none" else "")


def make_baseline(runs: pd.DataFrame, allow_one_seed: bool = False, allow_lost: bool = False) -> dict[str, Any]:
    """One entry per experiment. An entry with no completed trial is refused (there is nothing to
    compare with) unless `allow_lost` (a history records a commit whose every trial failed, as
    the regression it is); one with a single completed seed too, unless `allow_one_seed`, in which
    case it is marked untoleranced (the check then decides by the minimum effect alone)."""
    frame = keyed(runs)
    entries = []
    for key, trials in frame.groupby([column for column, _ in KEY], sort=True):
        completed = trials[trials["status"] == "completed"]
        name = describe_key(key)
        if completed.empty and allow_lost:
            entries.append(_entry(key, trials, completed))
            continue
        if completed.empty:
            raise UserError(
                f"{name}: no completed trial ({len(trials)} {', '.join(sorted(set(trials['status'])))}): "
                "a baseline needs results to compare with"
            )
        if len(completed) < 2 and not allow_one_seed:
            raise UserError(
                f"{name}: 1 completed seed; a baseline needs at least 2 to know its noise "
                "(more seeds, or --allow-one-seed for an untoleranced baseline)"
            )
        entries.append(_entry(key, trials, completed))
    return {"gate_version": GATE_VERSION, "entries": entries}


def _entry(key: tuple, trials: pd.DataFrame, completed: pd.DataFrame) -> dict[str, Any]:
    entry, setting, dataset, budget, extractor, weights = key
    held = [c for c in trials.columns if trials[c].notna().any()]
    found = outcomes(trials, primary_column(held) or "")  # no metric at all: every seed lost
    return {
        "family": entry,
        "setting": int(setting),
        "dataset": dataset,
        "budget": budget,
        "extractor": extractor,
        "extractor_weights": weights,
        "seeds": int(len(trials)),
        "completed": int(len(completed)),
        "lost": found.lost,  # results/outcomes.py's rule on the primary metric, as the report counts
        "lost_reasons": found.reasons,
        "untoleranced": len(completed) < 2,
        "step_settings": one(trials, "step_settings"),
        "family_origin": one(trials, "family_origin"),
        "config_hash": one(trials, "config_hash"),
        "config": one_config(trials),
        "hardware": one(trials, "device"),
        "versions": one(trials, "versions"),
        "metrics": seed_values(completed),
    }


def seed_values(completed: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per gated column: each completed seed's value and its seed (non-finite: the seed gave
    none), their mean, standard deviation and count."""
    metrics = {}
    seeds = completed["seed"] if "seed" in completed else pd.Series([None] * len(completed), index=completed.index)
    for column in [*gated_columns(), ABSOLUTE_SPEED]:
        if column not in completed:
            continue
        pairs = [(s, float(v)) for s, v in zip(seeds, completed[column]) if v is not None and math.isfinite(float(v))]
        if pairs:
            metrics[column] = summarised([v for _, v in pairs], [None if s is None else int(s) for s, _ in pairs])
    return metrics


def summarised(values: list[float], seeds: list[int | None] | None = None) -> dict[str, Any]:
    """A gated column's entry: the values (and their seeds, where known), mean, std and count."""
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    found: dict[str, Any] = {"mean": mean, "std": std, "n": len(values), "values": values}
    if seeds is not None and all(s is not None for s in seeds):
        found["seeds"] = seeds
    return found


def one(frame: pd.DataFrame, column: str) -> Any:
    values = frame[column].dropna().unique().tolist() if column in frame else []
    return values[0] if len(values) == 1 else (values or None)


def trial_config(trial_dir: Any) -> dict[str, Any] | None:
    """A trial's configuration (config.json) without what the gate matches or varies on its own:
    the seed, the budget and the hash of the rest."""
    from pathlib import Path

    try:
        config = read_json(Path(str(trial_dir)) / "config.json")
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    return {k: v for k, v in config.items() if k not in ("seed", "budget", "config_hash")}


def one_config(trials: pd.DataFrame) -> dict[str, Any] | None:
    if "trial_dir" not in trials:
        return None
    configs = {json.dumps(c, sort_keys=True) for c in map(trial_config, trials["trial_dir"]) if c is not None}
    return json.loads(configs.pop()) if len(configs) == 1 else None


def read_baseline(data: Any, allow_lost: bool = False) -> list[dict[str, Any]]:
    """The entries of a baseline file's contents, upgraded to the current keys; anything else is
    refused in one line (an entry with no completed seed too, unless `allow_lost`: a history
    record of a commit whose trials all failed)."""
    if (
        not isinstance(data, dict)
        or data.get("gate_version") not in READABLE_VERSIONS
        or not isinstance(data.get("entries"), list)
        or not all(isinstance(e, dict) and "family" in e and "dataset" in e for e in data["entries"])
    ):
        raise UserError("the baseline file is not a benchbench baseline (gate_version 1 or 2)")
    entries = []
    for entry in data["entries"]:
        entry = dict(entry)
        budget = entry.get("budget")
        if isinstance(budget, list):  # version 1 pooled every budget of an (entry, dataset)
            if len(budget) != 1:
                raise UserError(
                    f"the baseline pools {entry['family']} on {entry['dataset']} over budgets {', '.join(budget)} "
                    "into one mean (a version-1 baseline): make a new baseline"
                )
            entry["budget"] = budget[0]
        entry.setdefault("setting", 0)
        for field in ("extractor", "extractor_weights"):
            if entry.get(field) is None:
                entry[field] = "none"
        entry.setdefault("untoleranced", entry.get("completed", 0) < 2)
        entry.setdefault("lost", int(entry.get("seeds", 0)) - int(entry.get("completed", 0)))
        if not entry.get("completed") and not allow_lost:
            raise UserError(
                f"the baseline's {describe_key(key_of(entry))} has no completed trial: nothing to compare with "
                "(make the baseline from a run that completed)"
            )
        entries.append(entry)
    return entries
