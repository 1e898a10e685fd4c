"""`check`: a run against a baseline (or the recent history), entry by entry and metric by metric.

Each run entry is matched to the baseline entry with the same key (baseline.KEY). An entry of the
baseline found in the run under another budget or feature network is another experiment:
refused naming the field (the CLI's exit 2), as is one with other step settings (numerics). A
change in the family's configuration (its settings, its published defaults' digest, a plugin's
version) is listed line by line and gated: CI exists to check a new configuration against the
old one; Rule.require_same_config refuses it instead. A run that shares no entry with the
baseline, or an entry with no finished trial, is a configuration error, not a regression.

Every test of one check (each gated metric of each entry, both speeds, the lost seeds) is one
family: Holm-adjusted together, so that Rule.alpha is the false-alarm rate of the whole check.
Lost seeds follow the report's rule (results/outcomes.py) and are tested (Fisher's exact test
against the baseline's loss rate), not flagged from one seed; an entry that lost every seed is
a regression outright: there is nothing left to compare.

Speed is the trial's images/s relative to a reference workload timed in the same process
(training/reference.py), on the CPU-time clock and on the wall clock, compared only on the same
hardware: a busy neighbour slows both alike.
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
    SPEEDS,
    WALL_SPEED,
    describe_key,
    direction,
    floor_of,
    key_of,
    keyed,
    one,
    one_config,
    primary_column,
    read_baseline,
)
from benchbench.gate.decide import Sample, judge, lost_p, minimum_effect, verdict
from benchbench.metrics.catalog import METRICS
from benchbench.report.stats import holm
from benchbench.results.outcomes import LOST_STATUSES, outcomes


@dataclass(frozen=True)
class Rule:
    alpha: float = 0.05  # the check's false-alarm rate: Holm over all of its tests (docs/gate.md: why 5%)
    min_change: float = 0.05  # smallest regression that counts, relative to the baseline mean
    speed_change: float = 0.10  # the same for the relative speed (CPU time on a CPU)
    speed: bool = True  # False: throughput is not gated
    require_same_config: bool = False  # True: another configuration is refused, not gated
    wall_speed_change: float = 0.25  # the same for the wall-clock relative speed (a neighbour moves it more)


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
    p_holm: float = math.nan  # p Holm-adjusted over the check's tests: what the verdict reads
    # numbers kept for the history and for callers (not shown in the table)
    run_mean: float = math.nan
    run_std: float = math.nan
    run_n: int = 0
    worse_by: float = math.nan
    min_effect: float = math.nan
    p_better: float = math.nan
    p_better_holm: float = math.nan
    method: str = ""
    note: str = ""


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
    decide_together(rows, rule.alpha)
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
    """The lost seeds, then one row per gated metric of the baseline entry (p-values raw: check()
    decides them together)."""
    if not trials["status"].isin(["completed", *LOST_STATUSES]).any():
        raise UserError(
            f"{describe_key(key_of(entry))}: no trial has finished ({', '.join(sorted(set(trials['status'])))}): "
            "check a run once it is done"
        )
    found = outcomes(trials, primary_column(entry["metrics"]) or "")
    base_seeds, base_lost = int(entry["seeds"]), int(entry.get("lost", entry["seeds"] - entry["completed"]))
    shown_base, shown_run = f"{base_lost} of {base_seeds}", f"{found.lost} of {found.seeds}{_reasons(found.reasons)}"
    if not found.kept:  # nothing to compare: the commit broke the entry, whatever the baseline lost
        return [_row(entry, "lost seeds", shown_base, shown_run, math.nan, math.nan, "regressed: every seed lost")]
    rows = []
    if found.lost:
        p = lost_p(base_lost, base_seeds, found.lost, found.seeds)
        row = _row(entry, "lost seeds", shown_base, shown_run, math.nan, p, "ok")
        row.worse_by, row.min_effect = found.lost / found.seeds - base_lost / max(base_seeds, 1), 0.0
        row.method = "Fisher's exact test, one-sided"
        smallest = lost_p(0, base_seeds, found.seeds, found.seeds)
        if smallest >= rule.alpha:
            row.note = f"{base_seeds} vs {found.seeds} seeds cannot decide (Fisher's smallest p is {smallest:.2g})"
        rows.append(row)
    same_hardware = one(trials, "device") == entry.get("hardware")
    for column, stats in entry["metrics"].items():
        if column == ABSOLUTE_SPEED and SPEED in entry["metrics"]:
            continue  # recorded for the reader; the relative speed is gated
        if column == ABSOLUTE_SPEED and rule.speed:  # a baseline from before the speed reference
            shown = f"{stats['mean']:.4g} (n={stats['n']})"
            rows.append(_row(entry, column, shown, "-", math.nan, math.nan, "skipped: no speed reference in baseline"))
            continue
        if column not in (*SPEEDS, ABSOLUTE_SPEED) and column.removeprefix("final_") not in METRICS:
            continue  # a metric this version no longer gates
        kept = outcomes(trials[trials["status"] == "completed"], column).kept
        rows.append(_metric_row(entry, column, stats, kept, rule, same_hardware))
    return rows


def _reasons(reasons: dict[str, int]) -> str:
    return f" ({', '.join(f'{n} {why}' for why, n in reasons.items())})" if reasons else ""


def _metric_row(
    entry: dict[str, Any], column: str, stats: dict[str, Any], kept: list[float], rule: Rule, same_hardware: bool
) -> Row:
    base = Sample(float(stats["mean"]), float(stats["std"]) if stats["n"] > 1 else math.nan, int(stats["n"]))
    shown_base = f"{base.mean:.4g} ± {stats['std']:.2g} (n={base.n})"
    speed = column in (*SPEEDS, ABSOLUTE_SPEED)
    by_record = stats.get("unit") == "record"  # a history's speed: one value per record (gate/pool.py)
    unscored = (
        "skipped: speed not gated"
        if speed and not rule.speed
        else "skipped: other hardware"
        if speed and not same_hardware
        else "regressed: no value"
        if not kept
        else "skipped: one record of this hardware, its spread between runs unknown"
        if by_record and base.n < 2
        else None
    )
    if unscored:
        return _row(entry, column, shown_base, "-", math.nan, math.nan, unscored)
    run = Sample.of([sum(kept) / len(kept)] if by_record else kept)  # by record: the run is one more record
    higher_better, bounds = direction(column)
    change_rule = rule.wall_speed_change if column == WALL_SPEED else rule.speed_change if speed else rule.min_change
    effect = minimum_effect(base.mean, change_rule, bounds, floor_of(column))
    judgement = judge(base, run, higher_better, effect, rule.alpha)
    change = (run.mean - base.mean) / abs(base.mean) if base.mean else math.nan
    shown_run = f"{run.mean:.4g} ± {0.0 if run.n < 2 else run.std:.2g} (n={run.n})"
    row = _row(entry, column, shown_base, shown_run, change, judgement.p_worse, judgement.verdict)
    row.run_mean, row.run_std, row.run_n = run.mean, run.std, run.n
    row.worse_by, row.min_effect, row.p_better, row.method = (
        judgement.worse_by,
        judgement.min_effect,
        judgement.p_better,
        judgement.method,
    )
    if by_record:
        row.method += ", by record"
    if not judgement.tested:
        row.verdict = f"{judgement.verdict} ({row.method})"
    return row


def decide_together(rows: list[Row], alpha: float) -> None:
    """Holm over every tested row of one check: `alpha` is the check's false-alarm rate. Rows
    decided without a test (an exact difference, an untoleranced baseline, nothing kept) keep
    their verdict."""
    tested = [row for row in rows if math.isfinite(row.p)]
    for attribute, into in (("p", "p_holm"), ("p_better", "p_better_holm")):
        for row, adjusted in zip(tested, holm([getattr(row, attribute) for row in tested])):
            setattr(row, into, adjusted)
    for row in tested:
        row.verdict = verdict(row.worse_by, row.min_effect, row.p_holm, row.p_better_holm, alpha)
        if row.method == "prediction interval":
            row.verdict += " (one run seed: prediction interval)"
        elif row.method == "prediction interval, by record":
            row.verdict += " (the run as one more record: prediction interval)"
        if row.note:
            row.verdict += f"; {row.note}"


def failed(table: pd.DataFrame) -> pd.Series:
    """Rows that fail the gate: a regression (however decided), a missing entry or value."""
    return table["verdict"].astype(str).str.match(r"(regressed|missing)\b")


def format_table(table: pd.DataFrame) -> str:
    """The rows a reader needs, as a Markdown table ('-' where a number does not apply)."""
    if table.empty:
        return "(no rows)"
    shown = table[
        ["family", "dataset", "budget", "metric", "baseline", "run", "change", "p", "p_holm", "verdict"]
    ].copy()
    shown["change"] = [f"{c:+.1%}" if isinstance(c, float) and np.isfinite(c) else "-" for c in shown["change"]]
    for column in ("p", "p_holm"):
        shown[column] = [f"{p:.2g}" if isinstance(p, float) and np.isfinite(p) else "-" for p in shown[column]]
    shown = shown.rename(columns={"p_holm": "p (Holm)"})
    return shown.to_markdown(index=False)
