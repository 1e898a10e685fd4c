"""A baseline from a gate history (`check --history`): per experiment, the independent evidence
of the records strictly before the run being checked.

- Never the run itself: records are taken from before the run's own record (matched by content
  hash), whichever order `history add` and `check` were called in.
- The current level: the records since the configuration last changed (after a change, those of
  the old configuration: compare.py lists what changed), since the last change point the user
  accepted or that was an improvement, the latest `window` of them. A worse level that nobody
  accepted is not adopted: the baseline stays the level before it until `history accept`.
- Each seed once: on a CPU an unchanged commit replays the same seeds to the same values, so
  pooling every record's values would count three seeds as thirty. Each seed's newest value in
  the pool counts, once; records without seed numbers count each distinct value once.
- Speed only from records of the run's hardware: another CPU model is another speed. And a
  record counts once for speed, as its mean: machines of one CPU label differ by more than the
  seeds of one run do (two 2-core VMs of the same label, a day apart: -11% to -16% relative
  speed, docs/gate.md), so the run is judged as one more record, by a prediction interval from
  the records' means; with one record the spread between runs is unknown and speed is skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from benchbench.gate.baseline import ABSOLUTE_SPEED, GATE_VERSION, SPEEDS, key_of, primary_column, summarised
from benchbench.gate.changes import Change, column_changes, experiment_series, searched_columns
from benchbench.gate.compare import Rule
from benchbench.gate.history import History, Record


@dataclass
class Pooled:
    baseline: dict[str, Any] | None  # None: no record before the run (the history's first)
    records: int  # the most records any experiment pooled
    notes: list[str] = field(default_factory=list)  # what a reader must know: held levels, changed configurations


def history_baseline(
    history: History, run_entries: list[dict[str, Any]], run: str, hardware: str, window: int, rule: Rule
) -> Pooled:
    """The baseline entries for the run's experiments from the records strictly before it."""
    records = history.before(run)
    if not records:
        return Pooled(None, 0, [f"history {history.folder} has no record before this run: nothing to compare with yet"])
    accepted, series = history.accepted(), experiment_series(records)
    pooled, notes, used = [], [], 0
    for entry in run_entries:
        indexed = series.get(key_of(entry))
        if not indexed:
            continue  # compare.py names the experiment the history does not hold
        chosen, note = current_level(records, key_of(entry), indexed, rule, accepted, window)
        notes += note
        used = max(used, len(chosen))
        pooled.append(_pooled([records[i] for i, _ in chosen], [e for _, e in chosen], hardware))
    return Pooled({"gate_version": GATE_VERSION, "entries": pooled}, used, notes)


def current_level(
    records: list[Record],
    key: tuple,
    indexed: list[tuple[int, dict[str, Any]]],
    rule: Rule,
    accepted: set[str],
    window: int,
) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """The (record index, entry) pairs of the experiment's current level, and notes on it."""
    config = indexed[-1][1].get("config_hash")
    first = len(indexed)
    while first > 0 and indexed[first - 1][1].get("config_hash") == config:
        first -= 1
    same = indexed[first:]
    changes: list[Change] = []
    for column in searched_columns([e for _, e in same], rule):
        changes += column_changes(records, key, same, column, rule, accepted)
    start, stop, notes = same[0][0], math.inf, []
    for index in sorted({c.index for c in changes}):
        at = [c for c in changes if c.index == index]
        held = [c for c in at if c.worse and not c.accepted]
        if held and stop == math.inf:
            stop = index
            notes.append(
                f"{held[0].sentence()}: compared with the level before it until accepted "
                f"(benchbench history accept DIR --commit {held[0].first_commit_after[:12]})"
            )
        elif not held:
            start, stop = index, math.inf  # an improvement, an accepted level, or a return from a held one
    chosen = [(i, e) for i, e in same if start <= i < stop][-window:]
    return chosen, notes


def _pooled(records: list[Record], entries: list[dict[str, Any]], hardware: str) -> dict[str, Any]:
    """One baseline entry from several records' entries: each seed once (its newest value), speed
    from the run's hardware only, one value per record."""
    newest = entries[-1]
    same_hardware = [r.hardware == hardware for r in records]
    metrics: dict[str, dict[str, Any]] = {}
    for column in {c for e in entries for c in e["metrics"]}:
        speed = column in (*SPEEDS, ABSOLUTE_SPEED)
        if speed:  # each record once, as its mean (the module's docstring: why)
            means = [
                float(e["metrics"][column]["mean"])
                for e, here in zip(entries, same_hardware)
                if here and column in e["metrics"]
            ]
            if means:
                metrics[column] = summarised(means) | {"unit": "record"}
            continue
        values: dict[Any, float] = {}
        for entry in reversed(entries):  # newest first
            if column not in entry["metrics"]:
                continue
            stats = entry["metrics"][column]
            found = stats.get("values") or [stats["mean"]] * int(stats["n"])
            for seed, value in zip(stats.get("seeds") or [("value", v) for v in found], found):
                values.setdefault(seed, float(value))
        if values:
            metrics[column] = summarised(list(values.values()))
    # seeds: the distinct seeds kept of the primary metric, and the newest record's lost ones
    primary = primary_column(metrics)
    kept = metrics[primary]["n"] if primary else 0
    lost = int(newest.get("lost", 0))
    return newest | {
        "metrics": metrics,
        "seeds": kept + lost,
        "completed": kept,
        "lost": lost,
        "untoleranced": kept < 2,
        "hardware": hardware if any(same_hardware) else newest.get("hardware"),
        "records": len(entries),
    }
