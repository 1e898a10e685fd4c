"""A regression gate: `baseline` condenses a run into per-(family, dataset) statistics over seeds,
and `check` compares a later run against it.

Tolerances come from the baseline's own seed spread: a metric regresses when the run's mean is
worse than the baseline mean by more than max(3 x the baseline's seed standard deviation,
a floor: 2% of the mean for quality, 20% for speed, whose run-to-run noise on shared machines is large). Directions are per metric (lower FID is
better, higher IS and throughput are better). Speed is compared only on the same hardware
(device name, type and thread count), and quality only under the same feature extractor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from benchbench.errors import UserError
from benchbench.report.tables import entry_names

GATE_VERSION = 1
SIGMAS = 3.0
# metric column -> (higher is better, relative floor of the tolerance)
METRICS = {
    "final_fid": (False, 0.02), "final_kid": (False, 0.02), "final_is": (True, 0.02),
    "final_precision": (True, 0.02), "final_recall": (True, 0.02), "final_swd": (False, 0.02),
    "final_modes_covered": (True, 0.02), "final_high_quality_share": (True, 0.02),
    "final_pyramid_swd": (False, 0.02), "final_label_accuracy": (True, 0.02), "final_cycle_l1": (False, 0.02),
    "images_per_second": (True, 0.20),
}  # fmt: skip
SPEED = {"images_per_second"}


def make_baseline(runs: pd.DataFrame) -> dict[str, Any]:
    entries = []
    # An entry is a family, or one swept variant of it ("began gamma=0.3"), as in the reports.
    for (family, dataset), trials in runs.groupby([entry_names(runs), runs["dataset"]], sort=True):
        completed = trials[trials["status"] == "completed"]
        metrics = {}
        for column in METRICS:
            if column in completed and completed[column].notna().any():
                values = completed[column].dropna().astype(float)
                metrics[column] = {"mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1
                                   else 0.0, "n": int(len(values))}  # fmt: skip
        entries.append({
            "family": family, "dataset": dataset, "budget": sorted(trials["budget"].unique().tolist()),
            "seeds": int(len(trials)), "completed": int(len(completed)), "extractor": _one(trials, "extractor"),
            "extractor_weights": _one(trials, "extractor_weights"), "hardware": _one(trials, "device"),
            "versions": _one(trials, "versions"), "metrics": metrics,
        })  # fmt: skip
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


def check(runs: pd.DataFrame, baseline: dict[str, Any]) -> tuple[pd.DataFrame, bool]:
    """(diff table, passed). Bad or incomparable input raises UserError."""
    if baseline.get("gate_version") != GATE_VERSION or not isinstance(baseline.get("entries"), list):
        raise UserError("the baseline file is not a benchbench baseline (gate_version 1)")
    rows: list[Row] = []
    for entry in baseline["entries"]:
        trials = runs[(entry_names(runs) == entry["family"]) & (runs["dataset"] == entry["dataset"])]
        if trials.empty:
            rows.append(Row(entry["family"], entry["dataset"], "trials", f"{entry['seeds']}", 0, 0, -1, "missing"))
            continue
        if _one(trials, "extractor") != entry.get("extractor"):
            raise UserError(f"{entry['family']} on {entry['dataset']}: extractor {_one(trials, 'extractor')} vs "
                            f"baseline {entry.get('extractor')}: the metrics are not comparable")  # fmt: skip
        completed = trials[trials["status"] == "completed"]
        if len(completed) < len(trials) and entry["completed"] == entry["seeds"]:
            rows.append(Row(entry["family"], entry["dataset"], "completed", f"{entry['completed']}/{entry['seeds']}",
                            len(completed), 0, math.nan, "regressed"))  # fmt: skip
        same_hardware = _one(trials, "device") == entry.get("hardware")
        for column, stats in entry["metrics"].items():
            higher_better, floor = METRICS[column]
            reference = f"{stats['mean']:.4g} ± {stats['std']:.2g} (n={stats['n']})"
            if column in SPEED and not same_hardware:
                rows.append(Row(entry["family"], entry["dataset"], column, reference, math.nan, math.nan, math.nan,
                                "skipped: other hardware"))  # fmt: skip
                continue
            values = completed[column].dropna().astype(float) if column in completed else pd.Series(dtype=float)
            if values.empty:
                rows.append(Row(entry["family"], entry["dataset"], column, reference, math.nan, math.nan, math.nan,
                                "regressed: no value"))  # fmt: skip
                continue
            mean = float(values.mean())
            tolerance = max(SIGMAS * stats["std"], floor * abs(stats["mean"]))
            worse_by = (stats["mean"] - mean) if higher_better else (mean - stats["mean"])
            change = (mean - stats["mean"]) / abs(stats["mean"]) if stats["mean"] else math.nan
            verdict = "regressed" if worse_by > tolerance else ("improved" if -worse_by > tolerance else "ok")
            rows.append(Row(entry["family"], entry["dataset"], column, reference, mean, tolerance, change, verdict))
    table = pd.DataFrame([row.__dict__ for row in rows])
    passed = not table["verdict"].isin(["regressed", "missing", "regressed: no value"]).any() if len(table) else True
    return table, bool(passed)


def format_table(table: pd.DataFrame) -> str:
    shown = table.copy()
    shown["change"] = [f"{c:+.1%}" if isinstance(c, float) and np.isfinite(c) else "-" for c in shown["change"]]
    return shown.to_markdown(index=False, floatfmt=".4g")
