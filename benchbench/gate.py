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
Speed is compared only on the same hardware, quality only under the same feature extractor.
A run that shares no entry with the baseline is a configuration error, not a regression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from benchbench.errors import UserError
from benchbench.metrics.catalog import METRICS
from benchbench.report.entries import entry_names

GATE_VERSION = 1
SPEED = "images_per_second"


@dataclass(frozen=True)
class Rule:
    sigmas: float = 3.0
    min_change: float = 0.02
    speed_change: float = 0.20
    speed: bool = True  # False: throughput is not gated (a shared runner's speed says little)


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


def check(runs: pd.DataFrame, baseline: dict[str, Any], rule: Rule = Rule()) -> tuple[pd.DataFrame, bool]:
    """(diff table, passed). Bad or incomparable input raises UserError."""
    if (
        not isinstance(baseline, dict)
        or baseline.get("gate_version") != GATE_VERSION
        or not isinstance(baseline.get("entries"), list)
    ):
        raise UserError("the baseline file is not a benchbench baseline (gate_version 1)")
    names = entry_names(runs)
    run_entries = set(zip(names, runs["dataset"]))
    baseline_entries = {(e["family"], e["dataset"]) for e in baseline["entries"]}
    if not run_entries & baseline_entries:

        def show(entries: set[tuple[str, str]]) -> str:
            return ", ".join(f"{e} on {d}" for e, d in sorted(entries)) or "none"

        raise UserError(
            f"the run and the baseline share no entry (run: {show(run_entries)}; baseline: "
            f"{show(baseline_entries)}): a run of another suite, not a regression"
        )
    rows: list[Row] = []
    for entry in baseline["entries"]:
        trials = runs[(names == entry["family"]) & (runs["dataset"] == entry["dataset"])]
        if trials.empty:
            rows.append(Row(entry["family"], entry["dataset"], "trials", f"{entry['seeds']}", 0, 0, -1, "missing"))
            continue
        settings = entry.get("step_settings")
        if settings is not None and _one(trials, "step_settings") != settings:
            raise UserError(
                f"{entry['family']} on {entry['dataset']}: step settings {_one(trials, 'step_settings')} vs "
                f"baseline {settings}: other numerics, not comparable"
            )
        if _one(trials, "extractor") != entry.get("extractor"):
            raise UserError(
                f"{entry['family']} on {entry['dataset']}: extractor {_one(trials, 'extractor')} vs "
                f"baseline {entry.get('extractor')}: the metrics are not comparable"
            )
        origin = entry.get("family_origin")
        if origin is not None and _one(trials, "family_origin") != origin:
            # a changed plugin is a new configuration: gated as such, and named
            change = f"changed: {origin} -> {_one(trials, 'family_origin')}"
            rows.append(Row(entry["family"], entry["dataset"], "family origin", origin, math.nan, 0, math.nan, change))
        completed = trials[trials["status"] == "completed"]
        if len(completed) < len(trials) and entry["completed"] == entry["seeds"]:
            rows.append(
                Row(
                    entry["family"],
                    entry["dataset"],
                    "completed",
                    f"{entry['completed']}/{entry['seeds']}",
                    len(completed),
                    0,
                    math.nan,
                    "regressed",
                )
            )
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
                rows.append(
                    Row(entry["family"], entry["dataset"], column, reference, math.nan, math.nan, math.nan, unscored)
                )
                continue
            mean = float(values.mean())
            allowed = tolerance(column, stats, rule)
            worse_by = (stats["mean"] - mean) if higher_better else (mean - stats["mean"])
            change = (mean - stats["mean"]) / abs(stats["mean"]) if stats["mean"] else math.nan
            verdict = "regressed" if worse_by > allowed else ("improved" if -worse_by > allowed else "ok")
            rows.append(Row(entry["family"], entry["dataset"], column, reference, mean, allowed, change, verdict))
    table = pd.DataFrame([row.__dict__ for row in rows])
    passed = not table["verdict"].isin(["regressed", "missing", "regressed: no value"]).any() if len(table) else True
    return table, bool(passed)


def format_table(table: pd.DataFrame) -> str:
    shown = table.copy()
    shown["change"] = [f"{c:+.1%}" if isinstance(c, float) and np.isfinite(c) else "-" for c in shown["change"]]
    return shown.to_markdown(index=False, floatfmt=".4g")
