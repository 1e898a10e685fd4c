"""The leaderboard, built once per section: per entry its seed counts and, for every metric and
progress column, the finite values of its completed seeds with their mean and t interval. The
JSON report serialises these numbers (document.py) and the Markdown and HTML reports format the
same numbers (`leaderboard`), so the two never disagree on what a column holds or how entries rank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from benchbench.metrics.catalog import METRICS
from benchbench.report.entries import (
    by_entry,
    collapsed_count,
    entry_labels,
    heading,
    interval_text,
    lower_is_better,
    primary_metric,
)
from benchbench.report.stats import CI_LABEL, mean_ci

# Trial columns summarised per entry: final and best-on-validation metrics, convergence, speed.
SUMMARISED_PREFIXES = ("final_", "best_")
SUMMARISED = (
    "seconds_to_threshold",
    "kimg_to_threshold",
    "steps_to_threshold",
    "flops_to_threshold",
    "auc_log",
    "images_per_second",
    "steps",
    "kimg",
    "train_seconds",
)
NOT_METRICS = {"final_n_fake", "final_n_real", "best_n_fake", "best_n_real", "final_class_shares", "best_class_shares"}

# How training went, beside the metrics of the catalogue, in the rendered table: (column, heading).
PROGRESS_COLUMNS = [
    ("seconds_to_threshold", "s to threshold"),
    ("kimg_to_threshold", "kimg to threshold"),
    ("auc_log", "AUC log-{P}"),
    ("images_per_second", "images/s"),
    ("steps", "G steps"),
]


def finite_or_none(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def summarised_columns(frame: pd.DataFrame) -> list[str]:
    """Every column an entry is summarised on, in the runs table's order."""
    columns = [c for c in frame.columns if c.startswith(SUMMARISED_PREFIXES) and c not in NOT_METRICS]
    return columns + [c for c in SUMMARISED if c in frame]


@dataclass
class EntryStats:
    """One entry of a section: who it is, how its seeds ended, and its completed seeds' values."""

    entry: str
    label: str
    family: str
    variant: str
    seeds: int
    completed: int
    diverged: int
    failed: int
    collapsed: int
    values: dict[str, list[float]] = field(default_factory=dict)  # column -> finite values, completed seeds
    rank_key: tuple[float, float] = (math.inf, math.inf)

    def interval(self, column: str) -> tuple[float, float, float]:
        """(mean, low, high) over the completed seeds, Student's t 95% (CI_LABEL)."""
        return mean_ci(self.values.get(column, []))

    def record(self) -> dict[str, Any]:
        """The entry as the JSON report writes it."""
        metrics = {}
        for column, values in self.values.items():
            if values:
                mean, low, high = self.interval(column)
                metrics[column] = {
                    "mean": mean,
                    "low": finite_or_none(low),
                    "high": finite_or_none(high),
                    "n": len(values),
                    "interval": CI_LABEL,
                }
        counts = ("seeds", "completed", "diverged", "failed", "collapsed")
        return (
            {"entry": self.entry, "label": self.label, "family": self.family, "variant": self.variant}
            | {key: getattr(self, key) for key in counts}
            | {"metrics": metrics}
        )


def entry_stats(frame: pd.DataFrame) -> list[EntryStats]:
    """Every entry of a section, in the order the runs table lists them."""
    primary_column = f"final_{primary_metric(frame)}"
    sign = 1 if lower_is_better(primary_metric(frame)) else -1
    labels, columns = entry_labels(frame), summarised_columns(frame)
    out = []
    for entry, trials in by_entry(frame):
        status = trials["status"]
        completed = trials[status == "completed"]
        values = {
            column: [v for v in (finite_or_none(x) for x in completed[column]) if v is not None] for column in columns
        }
        # Ranked by the median over all seeds, a lost seed (diverged, failed, non-finite) counting as
        # the worst outcome, then by the mean of the rest: an entry that lost most seeds ranks last.
        kept = [sign * v for v in values.get(primary_column, [])]
        outcomes = kept + [math.inf] * (len(trials) - len(kept))
        first = trials.iloc[0]
        out.append(
            EntryStats(
                entry=str(entry),
                label=labels[entry],
                family=str(first["family"]),
                variant=str(first.get("variant") or ""),
                seeds=int(len(trials)),
                completed=int(len(completed)),
                diverged=int((status == "diverged").sum()),
                failed=int((status == "failed").sum()),
                collapsed=collapsed_count(trials),
                values=values,
                rank_key=(float(np.median(outcomes)), float(np.mean(kept)) if kept else math.inf),
            )
        )
    return out


def columns(primary: str) -> list[tuple[str, str]]:
    """Rendered columns: the primary metric with its interval and best-on-validation value, every
    other catalogued metric, then training progress."""
    head = heading(primary)
    out = [(f"final_{primary}", f"final {head} ({CI_LABEL})"), (f"best_{primary}", f"best-on-val {head}")]
    out += [(m.column, m.heading) for m in METRICS.in_order() if m.name != primary]
    return out + [(column, text.format(P=head)) for column, text in PROGRESS_COLUMNS]


def leaderboard(frame: pd.DataFrame, stats: list[EntryStats] | None = None) -> pd.DataFrame:
    """The section's table as Markdown and HTML show it, best entry first (`stats`: the section's
    entry_stats, when already built)."""
    stats = entry_stats(frame) if stats is None else stats
    shown = columns(primary_metric(frame))
    rows = []
    for entry in sorted(stats, key=lambda e: e.rank_key):
        row: dict[str, Any] = {"family": entry.label}
        row |= {key: getattr(entry, key) for key in ("seeds", "completed", "diverged", "failed", "collapsed")}
        for column, title in shown:
            threshold = column.endswith("_to_threshold") and column in frame and frame[column].notna().any()
            values = entry.values.get(column, [])
            if not values and not threshold:
                continue
            row[title] = interval_text(*entry.interval(column), with_ci=title.startswith("final"))
            if column == "final_classes":  # the worst seed matters more than the mean here
                row[title] += f" (min {min(values):.0f})"
            if column.endswith("_to_threshold"):  # seeds that never reached it are shown, not averaged away
                row[title] += f" ({len(values)}/{entry.seeds} reached)"
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.astype(object).where(table.notna(), "-")  # an entry whose every seed failed has no values
