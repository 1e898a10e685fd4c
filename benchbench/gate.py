"""A regression gate: `baseline` condenses a run into per-(entry, dataset) statistics over seeds,
and `check` compares a later run against it.

A metric regresses when the run's mean over seeds is worse than the baseline's mean, in the
metric's own direction (metrics/catalog.py), by more than a tolerance:
max(`sigmas` x the baseline's seed standard deviation, `min_change` x |baseline mean|), with
`min_change` for quality metrics and `speed_change` for throughput, whose run-to-run noise on
shared machines is large. For a bounded metric (precision, recall in [0, 1]) the tolerance is at
most half the room between the baseline mean and the worst value, so that a collapse to the
bound always fails (with few seeds the standard deviation alone can exceed the whole range),
unless the baseline's own spread reaches that value.
Speed is compared only on the same hardware (and not at all with Rule.speed off).

An entry is compared only with the same budget, feature extractor and its weights, and step
settings: any other is another experiment, refused naming the field (the CLI's exit 2). A change
in the family's configuration (its settings, its published defaults' digest, a plugin's version)
is listed line by line and gated: CI exists to check a new configuration against the old one.
Rule.require_same_config refuses it instead. A run that shares no entry with the baseline is a
configuration error, not a regression.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchbench.errors import UserError
from benchbench.metrics.catalog import METRICS
from benchbench.report.entries import entry_names
from benchbench.results import read_json

GATE_VERSION = 1
SPEED = "images_per_second"


@dataclass(frozen=True)
class Rule:
    sigmas: float = 3.0
    min_change: float = 0.02
    speed_change: float = 0.20
    speed: bool = True  # False: throughput is not gated (a shared runner's speed says little)
    require_same_config: bool = False  # True: another configuration is refused, not gated


def gated_columns() -> list[str]:
    return [m.column for m in METRICS.in_order() if m.gated] + [SPEED]


def _direction(column: str) -> tuple[bool, tuple[float, float] | None]:
    """(higher is better, bounds) of a gated column."""
    if column == SPEED:
        return True, None
    info = METRICS.get(column.removeprefix("final_"))
    return not info.lower_is_better, info.bounds


def make_baseline(runs: pd.DataFrame) -> dict[str, Any]:
    entries = []
    # An entry is a family, or one swept variant of it ("began gamma=0.3"), as in the reports.
    for (family, dataset), trials in runs.groupby([entry_names(runs), runs["dataset"]], sort=True):
        completed = trials[trials["status"] == "completed"]
        metrics = {}
        for column in gated_columns():
            if column in completed and completed[column].notna().any():
                values = completed[column].dropna().astype(float)
                metrics[column] = {
                    "mean": float(values.mean()),
                    "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                    "n": int(len(values)),
                }
        entries.append(
            {
                "family": family,
                "dataset": dataset,
                "budget": sorted(trials["budget"].unique().tolist()),
                "seeds": int(len(trials)),
                "completed": int(len(completed)),
                "extractor": _one(trials, "extractor"),
                "extractor_weights": _one(trials, "extractor_weights"),
                "step_settings": _one(trials, "step_settings"),
                "family_origin": _one(trials, "family_origin"),
                "config_hash": _one(trials, "config_hash"),
                "config": _one_config(trials),
                "hardware": _one(trials, "device"),
                "versions": _one(trials, "versions"),
                "metrics": metrics,
            }
        )
    return {"gate_version": GATE_VERSION, "entries": entries}


def _one(frame: pd.DataFrame, column: str) -> Any:
    values = frame[column].dropna().unique().tolist() if column in frame else []
    return values[0] if len(values) == 1 else (values or None)


@dataclass
class Row:
    family: str
    dataset: str
    metric: str
    baseline: str
    run: float
    tolerance: float
    change: float
    verdict: str


def tolerance(column: str, stats: dict[str, float], rule: Rule) -> float:
    higher_better, bounds = _direction(column)
    floor = rule.speed_change if column == SPEED else rule.min_change
    allowed = max(rule.sigmas * stats["std"], floor * abs(stats["mean"]))
    if bounds is not None:
        room = abs(stats["mean"] - (bounds[0] if higher_better else bounds[1]))
        # Only where the baseline's seeds stay clear of the worst value: a baseline whose spread
        # reaches it (0.001 +- 0.002) already produced it, so reaching it is no regression.
        if room > stats["std"]:
            allowed = min(allowed, 0.5 * room)
    return allowed


# Fields an entry must share with the baseline to be compared at all: another budget, feature
# network or numerics is another experiment, and comparing it would pass or fail by accident.
MATCHED = (
    ("budget", "budget"),
    ("extractor", "extractor"),
    ("extractor_weights", "extractor weights"),
    ("step_settings", "step settings"),
)


def check(runs: pd.DataFrame, baseline: dict[str, Any], rule: Rule = Rule()) -> tuple[pd.DataFrame, bool]:
    """(diff table, passed). Bad or incomparable input raises UserError naming the field."""
    if (
        not isinstance(baseline, dict)
        or baseline.get("gate_version") != GATE_VERSION
        or not isinstance(baseline.get("entries"), list)
    ):
        raise UserError("the baseline file is not a benchbench baseline (gate_version 1)")
    names = entry_names(runs)
    _check_shared_entries(set(zip(names, runs["dataset"])), {(e["family"], e["dataset"]) for e in baseline["entries"]})
    rows: list[Row] = []
    for entry in baseline["entries"]:
        trials = runs[(names == entry["family"]) & (runs["dataset"] == entry["dataset"])]
        if trials.empty:
            rows.append(Row(entry["family"], entry["dataset"], "trials", f"{entry['seeds']}", 0, 0, -1, "missing"))
            continue
        _check_comparable(entry, trials)
        changes = _changes(entry, trials)
        if changes and rule.require_same_config:
            raise UserError(
                f"{entry['family']} on {entry['dataset']}: the configuration differs from the baseline's "
                f"({'; '.join(f'{key}: {old} -> {new}' for key, old, new in changes)}) and "
                "--require-same-config is set"
            )
        # another configuration is gated as a regression check of the new one against the old
        for key, old, new in changes:
            rows.append(Row(entry["family"], entry["dataset"], key, old, math.nan, 0, math.nan, f"changed: {new}"))
        rows += _entry_rows(entry, trials, rule)
    table = pd.DataFrame([row.__dict__ for row in rows])
    passed = not table["verdict"].isin(["regressed", "missing", "regressed: no value"]).any() if len(table) else True
    return table, bool(passed)


def _check_shared_entries(run_entries: set[tuple[str, str]], baseline_entries: set[tuple[str, str]]) -> None:
    if run_entries & baseline_entries:
        return

    def show(entries: set[tuple[str, str]]) -> str:
        return ", ".join(f"{e} on {d}" for e, d in sorted(entries)) or "none"

    raise UserError(
        f"the run and the baseline share no entry (run: {show(run_entries)}; baseline: "
        f"{show(baseline_entries)}): a run of another suite, not a regression"
    )


def _check_comparable(entry: dict[str, Any], trials: pd.DataFrame) -> None:
    """Refuse an entry whose budget, feature network or numerics differ from the baseline's
    (a baseline made before a field was recorded does not compare it)."""
    for field, label in MATCHED:
        expected = entry.get(field)
        if expected is None:
            continue
        found = sorted(trials["budget"].unique().tolist()) if field == "budget" else _one(trials, field)
        if found != expected:
            raise UserError(
                f"{entry['family']} on {entry['dataset']}: {label} {_shown(found)} vs baseline {_shown(expected)}: "
                "another experiment, not comparable (make a new baseline for it)"
            )


def _changes(entry: dict[str, Any], trials: pd.DataFrame) -> list[tuple[str, str, str]]:
    """What differs in the entry's configuration: the family's origin, then its settings (the
    hashes alone where the baseline kept no configuration)."""
    changes = []
    origin, found = entry.get("family_origin"), _one(trials, "family_origin")
    if origin is not None and found != origin:
        changes.append(("family origin", str(origin), str(found)))
    settings = config_changes(entry.get("config"), _one_config(trials))
    changes += [c for c in settings if not c[0].startswith("family_origin.")]  # named above
    old_hash, new_hash = entry.get("config_hash"), _one(trials, "config_hash")
    if not changes and old_hash is not None and new_hash is not None and old_hash != new_hash:
        changes.append(("config hash", str(old_hash), str(new_hash)))
    return changes


def _shown(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def trial_config(trial_dir: Any) -> dict[str, Any] | None:
    """A trial's configuration (config.json) without what the gate matches or varies on its own:
    the seed, the budget and the hash of the rest."""
    try:
        config = read_json(Path(str(trial_dir)) / "config.json")
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    return {k: v for k, v in config.items() if k not in ("seed", "budget", "config_hash")}


def _one_config(trials: pd.DataFrame) -> dict[str, Any] | None:
    if "trial_dir" not in trials:
        return None
    configs = {json.dumps(c, sort_keys=True) for c in map(trial_config, trials["trial_dir"]) if c is not None}
    return json.loads(configs.pop()) if len(configs) == 1 else None


def config_changes(
    old: dict[str, Any] | None, new: dict[str, Any] | None, prefix: str = ""
) -> list[tuple[str, str, str]]:
    """(setting, baseline value, run value) per setting that differs, nested keys dotted
    ("family_config.lr", "0.0001", "0.0002")."""
    if old is None or new is None:
        return []
    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key, "(unset)"), new.get(key, "(unset)")
        if isinstance(before, dict) and isinstance(after, dict):
            changes += config_changes(before, after, f"{prefix}{key}.")
        elif before != after:
            changes.append((f"{prefix}{key}", json.dumps(before), json.dumps(after)))
    return changes


def _entry_rows(entry: dict[str, Any], trials: pd.DataFrame, rule: Rule) -> list[Row]:
    family, dataset = entry["family"], entry["dataset"]
    rows = []
    completed = trials[trials["status"] == "completed"]
    if len(completed) < len(trials) and entry["completed"] == entry["seeds"]:
        done = f"{entry['completed']}/{entry['seeds']}"
        rows.append(Row(family, dataset, "completed", done, len(completed), 0, math.nan, "regressed"))
    same_hardware = _one(trials, "device") == entry.get("hardware")
    for column, stats in entry["metrics"].items():
        if column != SPEED and column.removeprefix("final_") not in METRICS:
            continue  # a metric this version no longer gates
        higher_better, _ = _direction(column)
        reference = f"{stats['mean']:.4g} ± {stats['std']:.2g} (n={stats['n']})"
        values = completed[column].dropna().astype(float) if column in completed else pd.Series(dtype=float)
        unscored = (
            "skipped: speed not gated"
            if column == SPEED and not rule.speed
            else "skipped: other hardware"
            if column == SPEED and not same_hardware
            else ("regressed: no value" if values.empty else None)
        )
        if unscored:
            rows.append(Row(family, dataset, column, reference, math.nan, math.nan, math.nan, unscored))
            continue
        mean = float(values.mean())
        allowed = tolerance(column, stats, rule)
        worse_by = (stats["mean"] - mean) if higher_better else (mean - stats["mean"])
        change = (mean - stats["mean"]) / abs(stats["mean"]) if stats["mean"] else math.nan
        verdict = "regressed" if worse_by > allowed else ("improved" if -worse_by > allowed else "ok")
        rows.append(Row(family, dataset, column, reference, mean, allowed, change, verdict))
    return rows


def format_table(table: pd.DataFrame) -> str:
    shown = table.copy()
    shown["change"] = [f"{c:+.1%}" if isinstance(c, float) and np.isfinite(c) else "-" for c in shown["change"]]
    return shown.to_markdown(index=False, floatfmt=".4g")
