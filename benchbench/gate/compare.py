"""`check`: a run against a baseline (or the recent history), entry by entry and metric by metric.

Each run entry is matched to the baseline entry with the same key (baseline.KEY). An entry of the
baseline found in the run under another budget or feature network is another experiment:
refused naming the field (the CLI's exit 2), as is one with other step settings (numerics). A
change in the family's configuration (its settings, its published defaults' digest, a plugin's
version) is listed line by line and gated: CI exists to check a new configuration against the
old one; Rule.require_same_config refuses it instead. A run that shares no entry with the
baseline, or an entry with no completed trial in the run, is a configuration error, not a
regression; an entry whose seeds diverged is a regression.

Speed is the trial's images/s relative to a reference workload timed in the same process
(training/reference.py), compared only on the same hardware: a busy neighbour slows both alike.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from benchbench.errors import UserError
from benchbench.gate.baseline import (
    ABSOLUTE_SPEED,
    KEY,
    SPEED,
    describe_key,
    direction,
    key_of,
    keyed,
    one,
    one_config,
    read_baseline,
)
from benchbench.gate.decide import Sample, judge, minimum_effect
from benchbench.metrics.catalog import METRICS


@dataclass(frozen=True)
class Rule:
    alpha: float = 0.01  # one-sided significance of "worse", per metric
    min_change: float = 0.05  # smallest regression that counts, relative to the baseline mean
    speed_change: float = 0.10  # the same for the relative speed
    speed: bool = True  # False: throughput is not gated
    require_same_config: bool = False  # True: another configuration is refused, not gated


@dataclass
class Row:
    family: str
    dataset: str
    budget: str
    metric: str
    baseline: str
    run: str
    change: float  # relative to the baseline mean
    p: float  # one-sided p of "worse"
    verdict: str
    # numbers kept for the history and for callers (not shown in the table)
    run_mean: float = math.nan
    run_std: float = math.nan
    run_n: int = 0


# Fields an entry must share with its baseline entry beyond the key: other numerics are another
# experiment, and comparing them would pass or fail by accident.
MATCHED = (("step_settings", "step settings"),)


def check(runs: pd.DataFrame, baseline: Any, rule: Rule = Rule()) -> tuple[pd.DataFrame, bool]:
    """(diff table, passed). Bad or incomparable input raises UserError naming the field."""
    entries = read_baseline(baseline)
    frame = keyed(runs)
    columns = [column for column, _ in KEY]
    run_keys = {tuple(k): trials for k, trials in frame.groupby(columns, sort=False)}
    base_keys = {key_of(e): e for e in entries}
    _check_shared_entries(set(run_keys), set(base_keys))
    for key in run_keys:
        if key not in base_keys:
            _refuse_other_experiment(key, list(base_keys))
    rows: list[Row] = []
    for key, entry in base_keys.items():
        trials = run_keys.get(key)
        if trials is None:
            rows.append(_row(entry, "trials", f"{entry['seeds']} seeds", "none", math.nan, math.nan, "missing"))
            continue
        _check_comparable(entry, trials)
        rows += _config_rows(entry, trials, rule)
        rows += entry_rows(entry, trials, rule)
    table = pd.DataFrame([row.__dict__ for row in rows], columns=list(Row.__dataclass_fields__))
    return table, not bool(failed(table).any())


def _check_shared_entries(run_keys: set[tuple], baseline_keys: set[tuple]) -> None:
    if run_keys & baseline_keys or {k[:3] for k in run_keys} & {k[:3] for k in baseline_keys}:
        return

    def show(keys: set[tuple]) -> str:
        return "; ".join(describe_key(k) for k in sorted(keys, key=str)) or "none"

    raise UserError(
        f"the run and the baseline share no entry (run: {show(run_keys)}; baseline: {show(baseline_keys)}): "
        "a run of another suite, not a regression"
    )


def _refuse_other_experiment(key: tuple, baseline_keys: list[tuple]) -> None:
    """A run entry the baseline does not hold: refused naming the field that differs from the
    closest baseline entry (same family, setting and dataset); an entry new to the suite too."""
    closest = [k for k in baseline_keys if k[:3] == key[:3]]
    if not closest:
        raise UserError(
            f"{describe_key(key)} is not in the baseline: the suite changed since the baseline was made "
            "(make a new baseline for it)"
        )
    for index, (_, label) in enumerate(KEY):
        if all(other[index] != key[index] for other in closest):
            theirs = ", ".join(sorted({str(other[index]) for other in closest}))
            raise UserError(
                f"{key[0]} on {key[2]}: {label} {key[index]} vs baseline {theirs}: "
                "another experiment, not comparable (make a new baseline for it)"
            )
    raise UserError(f"{describe_key(key)} is not in the baseline (make a new baseline for it)")


def _check_comparable(entry: dict[str, Any], trials: pd.DataFrame) -> None:
    for field, label in MATCHED:
        expected, found = entry.get(field), one(trials, field)
        if expected is not None and found != expected:
            raise UserError(
                f"{entry['family']} on {entry['dataset']}: {label} {_shown(found)} vs baseline {_shown(expected)}: "
                "another experiment, not comparable (make a new baseline for it)"
            )


def _config_rows(entry: dict[str, Any], trials: pd.DataFrame, rule: Rule) -> list[Row]:
    changes = _changes(entry, trials)
    if changes and rule.require_same_config:
        raise UserError(
            f"{entry['family']} on {entry['dataset']}: the configuration differs from the baseline's "
            f"({'; '.join(f'{key}: {old} -> {new}' for key, old, new in changes)}) and "
            "--require-same-config is set"
        )
    # another configuration is gated as a regression check of the new one against the old
    return [_row(entry, key, old, new, math.nan, math.nan, f"changed: {new}") for key, old, new in changes]


def _changes(entry: dict[str, Any], trials: pd.DataFrame) -> list[tuple[str, str, str]]:
    """What differs in the entry's configuration: the family's origin, then its settings (the
    hashes alone where the baseline kept no configuration)."""
    changes = []
    origin, found = entry.get("family_origin"), one(trials, "family_origin")
    if origin is not None and found != origin:
        changes.append(("family origin", str(origin), str(found)))
    settings = config_changes(entry.get("config"), one_config(trials))
    changes += [c for c in settings if not c[0].startswith("family_origin.")]  # named above
    old_hash, new_hash = entry.get("config_hash"), one(trials, "config_hash")
    if not changes and old_hash is not None and new_hash is not None and old_hash != new_hash:
        changes.append(("config hash", str(old_hash), str(new_hash)))
    return changes


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


def _shown(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _row(entry: dict[str, Any], metric: str, baseline: str, run: str, change: float, p: float, verdict: str) -> Row:
    return Row(entry["family"], entry["dataset"], str(entry["budget"]), metric, baseline, run, change, p, verdict)


def entry_rows(entry: dict[str, Any], trials: pd.DataFrame, rule: Rule) -> list[Row]:
    """The completed-seed count, then one row per gated metric of the baseline entry."""
    completed = trials[trials["status"] == "completed"]
    lost = trials[trials["status"].isin(["diverged", "failed"])]
    if completed.empty and not (trials["status"] == "diverged").any():
        raise UserError(
            f"{describe_key(key_of(entry))}: no completed trial in the run ({', '.join(sorted(set(trials['status'])))}; "
            "each failed trial's traceback.txt says why): nothing to compare"
        )
    rows = []
    base_lost = entry["seeds"] - entry["completed"]
    if len(lost) / max(len(trials), 1) > base_lost / max(entry["seeds"], 1):
        done = f"{entry['completed']}/{entry['seeds']}"
        rows.append(_row(entry, "completed", done, f"{len(completed)}/{len(trials)}", math.nan, math.nan, "regressed"))
    same_hardware = one(trials, "device") == entry.get("hardware")
    for column, stats in entry["metrics"].items():
        if column == ABSOLUTE_SPEED and SPEED in entry["metrics"]:
            continue  # recorded for the reader; the relative speed is gated
        if column == ABSOLUTE_SPEED and rule.speed:  # a baseline from before the speed reference
            shown = f"{stats['mean']:.4g} (n={stats['n']})"
            rows.append(_row(entry, column, shown, "-", math.nan, math.nan, "skipped: no speed reference in baseline"))
            continue
        if column not in (SPEED, ABSOLUTE_SPEED) and column.removeprefix("final_") not in METRICS:
            continue  # a metric this version no longer gates
        rows.append(_metric_row(entry, column, stats, completed, rule, same_hardware))
    return rows


def _metric_row(
    entry: dict[str, Any], column: str, stats: dict[str, Any], completed: pd.DataFrame, rule: Rule, same_hardware: bool
) -> Row:
    base = Sample(float(stats["mean"]), float(stats["std"]) if stats["n"] > 1 else math.nan, int(stats["n"]))
    shown_base = f"{base.mean:.4g} ± {stats['std']:.2g} (n={base.n})"
    values = completed[column].astype(float) if column in completed else pd.Series(dtype=float)
    values = values[np.isfinite(values)]
    speed = column in (SPEED, ABSOLUTE_SPEED)
    unscored = (
        "skipped: speed not gated"
        if speed and not rule.speed
        else "skipped: other hardware"
        if speed and not same_hardware
        else "regressed: no value"
        if values.empty
        else None
    )
    if unscored:
        return _row(entry, column, shown_base, "-", math.nan, math.nan, unscored)
    run = Sample.of(values)
    higher_better, bounds = direction(column)
    effect = minimum_effect(base.mean, rule.speed_change if speed else rule.min_change, bounds)
    judgement = judge(base, run, higher_better, effect, rule.alpha)
    verdict = judgement.verdict if judgement.method.startswith("Welch") else f"{judgement.verdict} ({judgement.method})"
    change = (run.mean - base.mean) / abs(base.mean) if base.mean else math.nan
    shown_run = f"{run.mean:.4g} ± {0.0 if run.n < 2 else run.std:.2g} (n={run.n})"
    row = _row(entry, column, shown_base, shown_run, change, judgement.p_worse, verdict)
    row.run_mean, row.run_std, row.run_n = run.mean, run.std, run.n
    return row


def failed(table: pd.DataFrame) -> pd.Series:
    """Rows that fail the gate: a regression (however decided), a missing entry or value."""
    return table["verdict"].astype(str).str.split(" ").str[0].isin(["regressed", "missing"])


def format_table(table: pd.DataFrame) -> str:
    """The rows a reader needs, as a Markdown table ('-' where a number does not apply)."""
    if table.empty:
        return "(no rows)"
    shown = table[["family", "dataset", "budget", "metric", "baseline", "run", "change", "p", "verdict"]].copy()
    shown["change"] = [f"{c:+.1%}" if isinstance(c, float) and np.isfinite(c) else "-" for c in shown["change"]]
    shown["p"] = [f"{p:.2g}" if isinstance(p, float) and np.isfinite(p) else "-" for p in shown["p"]]
    return shown.to_markdown(index=False)
