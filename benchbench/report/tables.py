"""Leaderboards, verdicts and notes from a runs table (one row per trial), per report section.

A group is one dataset under one budget: only its trials are compared with each other, and
each table names its feature extractor, because FIDs from different extractors are different
quantities. A verdict compares the final primary metric (FID for images, sliced Wasserstein
distance for 2-D points) on the test split.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from benchbench.metrics.catalog import image_metrics
from benchbench.report.along import AlongBudget, section_along_budget
from benchbench.report.entries import (
    by_entry,
    collapsed_count,
    compare_entries,
    entry_labels,
    entry_names,
    heading,
    interval_text,
    primary_metric,
)
from benchbench.report.hyper import budget_table, has_study, tuned_comparisons
from benchbench.report.series_plots import series_notes
from benchbench.report.spaces import SpaceVerdict, extra_spaces, space_verdicts
from benchbench.report.standings import EntryStats, entry_stats, leaderboard
from benchbench.report.stats import CI_LABEL, Comparison, adjust, mean_ci
from benchbench.report.timing import time_text


def groups(runs: pd.DataFrame) -> Iterator[tuple[tuple[str, str, str], pd.DataFrame]]:
    """(dataset, budget, extractor) groups; trials without a result still count in their group."""
    runs = runs.copy()
    runs["extractor"] = runs["extractor"].fillna("-")
    yield from runs.groupby(["dataset", "budget", "extractor"], sort=True)


def verdicts(frame: pd.DataFrame) -> list[Comparison]:
    primary = primary_metric(frame)
    column = f"final_{primary}"
    if column not in frame:
        return []
    entries = list(dict.fromkeys(entry_names(frame)))
    return [compare_entries(frame, a, b, column, heading(primary)) for a, b in itertools.combinations(entries, 2)]


def few_seeds(n: int) -> str:
    """What the numbers beside an entry of fewer than 3 seeds can and cannot support."""
    if n < 2:
        return (
            "1 seed: its numbers are one draw, with no interval and no test (both need at least 2 seeds, "
            "and say little below 3); it cannot show seed noise."
        )
    return (
        "only 2 seeds: its t interval has 1 degree of freedom (12.7 standard errors each way) and a test "
        "with 2 seeds a side finds only very large differences, so an interval, p-value or Hedges' g "
        "here is a rough first look, and no significant difference is no evidence of none (3 or more "
        "seeds for a usable test)."
    )


def warnings(frame: pd.DataFrame) -> list[str]:
    notes, labels = [], entry_labels(frame)
    for family, trials in by_entry(frame):
        label = labels[family]
        if len(trials) < 3:
            notes.append(f"{label}: {few_seeds(len(trials))}")
        collapsed = collapsed_count(trials)
        if collapsed:
            notes.append(
                f"{label}: collapsed in {collapsed} of {len(trials)} seeds (fewer than half of "
                "the classes drawn, or IS below 1.5 without class labels, or at most one mode covered)."
            )
        for _, trial in trials[trials["status"] != "completed"].iterrows():
            detail = f" at step {int(trial['diverged_at_step'])}" if trial["status"] == "diverged" else ""
            notes.append(
                f"{label} seed {trial['seed']}: {trial['status']}{detail}"
                + (f" ({trial['error']})" if isinstance(trial.get("error"), str) else "")
            )
    return notes


def extra_extractor_tables(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Final numbers from additional extractors, one table each: never in the primary columns."""
    tables = []
    for extractor in extra_spaces(frame):
        completed = frame[frame["status"] == "completed"]
        rows, labels = [], entry_labels(completed)
        for family, trials in by_entry(completed):
            row: dict[str, Any] = {"family": labels[family], "seeds": len(trials)}
            # Classes drawn are counted once, by the section's own extractor, whose count the
            # collapse flag reads: a second classifier's count of off-manifold samples (6 classes
            # where the first saw 1) would contradict it without saying which to believe.
            for name in (m for m in image_metrics() if m != "classes"):
                column, title = f"final_{name}@{extractor}", heading(name)
                if column in trials and trials[column].notna().any():
                    title = f"final {title} ({CI_LABEL})" if name == "fid" else title
                    row[title] = interval_text(*mean_ci(trials[column].dropna().tolist()), title.startswith("final"))
            rows.append(row)
        weights = _distinct_text(frame, f"extractor_weights@{extractor}")
        tables.append(
            (f"Also scored with `{extractor}` (weights {weights}), same samples and split:", pd.DataFrame(rows))
        )
    return tables


def floors(frame: pd.DataFrame) -> dict[str, tuple[float, int]]:
    """{"final": (value, n), "trajectory": (value, n)}: the primary metric of real training data
    against the same split at the same sample count, as the trials recorded it."""
    out = {}
    for which in ("final", "trajectory"):
        column = f"floor_{which}"
        if column in frame and frame[column].notna().any():
            out[which] = (float(frame[column].dropna().iloc[0]), int(frame[f"{column}_n"].dropna().iloc[0]))
    return out


def floor_text(frame: pd.DataFrame) -> str:
    head = heading(primary_metric(frame))
    where = {"final": "against the test split", "trajectory": "against the validation split, along training"}
    return "; ".join(f"{head} {value:.4g} at {n:,} samples {where[w]}" for w, (value, n) in floors(frame).items())


def _distinct_text(frame: pd.DataFrame, column: str) -> str:
    return ", ".join(map(str, frame[column].dropna().unique())) if column in frame else "-"


def _distinct(frame: pd.DataFrame, column: str) -> str:
    values = frame[column].dropna().astype(int).unique().tolist() if column in frame else []
    return "/".join(str(v) for v in values) or "-"


@dataclass
class Section:
    """One dataset under one budget: everything a rendered report shows for it."""

    heading: str
    provenance: str
    entries: list[EntryStats]  # the leaderboard's numbers (standings.py), in the runs table's order
    leaderboard: pd.DataFrame  # the same numbers formatted, best entry first
    hyperparameters: pd.DataFrame | None
    tuned_comparisons: list[Comparison]  # at equal tuning effort (validation-selected settings), if a study ran
    extra: list[tuple[str, pd.DataFrame]]
    comparisons: list[Comparison]
    notes: list[str]
    series_notes: list[tuple[str, list[str]]]  # (heading, lines) per series note a family declared
    fingerprint: str
    frame: pd.DataFrame
    key: tuple[str, str, str]  # (dataset, budget, extractor)
    along: list[AlongBudget] = field(default_factory=list)  # each verdict's pair at every evaluation point
    spaces: list[SpaceVerdict] = field(default_factory=list)  # each verdict in every other feature space

    @property
    def labels(self) -> dict[str, str]:
        return entry_labels(self.frame)

    @property
    def verdicts(self) -> list[str]:
        return [comparison.sentence(self.labels) for comparison in self.comparisons]

    @property
    def space_sentences(self) -> list[str]:
        extractor = self.key[2]
        return [space.sentence(self.labels, extractor) for space in self.spaces]

    @property
    def along_sentences(self) -> list[str]:
        labels = self.labels
        return [
            f"Along the budget, {labels.get(a.a, a.a)} vs {labels.get(a.b, a.b)}: {a.sentence(labels)}"
            for a in self.along
        ]

    @property
    def tuned(self) -> list[str]:
        return [comparison.sentence(self.labels) for comparison in self.tuned_comparisons]


def sections(runs: pd.DataFrame) -> list[Section]:
    """Leaderboards and verdicts compare each family's own setting (setting 0); the settings of a
    hyperparameter study feed its budget-curve table instead."""
    studies = {key: frame for key, frame in groups(runs) if has_study(frame)}
    tuned = {key: tuned_comparisons(frame, primary_metric(frame)) for key, frame in studies.items()}
    adjust([c for group in tuned.values() for c in group])  # a second family of tests, corrected apart
    if "setting" in runs:
        runs = runs[runs["setting"].fillna(0) == 0]
    grouped = list(groups(runs))
    comparisons = [verdicts(frame) for _, frame in grouped]
    spaces = [
        space_verdicts(frame, group) if primary_metric(frame) == "fid" else []
        for (_, frame), group in zip(grouped, comparisons)
    ]
    # One Holm family: every final verdict of this report, in every feature space it was scored in.
    adjust([c for group in comparisons for c in group] + [s.other for group in spaces for s in group])
    out = []
    for ((dataset, budget, extractor), frame), group_comparisons, group_spaces in zip(grouped, comparisons, spaces):
        completed = frame[frame["status"] == "completed"]
        weights = _distinct_text(frame, "extractor_weights")
        counts = f"{_distinct(completed, 'final_n_fake')} generated vs {_distinct(completed, 'final_n_real')} real"
        if primary_metric(frame) == "swd":  # 2-D points: no feature network, no Inception Score
            measured = (
                f"Metrics on the points themselves (no feature extractor); final metrics on the test split, {counts}"
            )
        else:
            measured = (
                f"Feature extractor: `{extractor}` (weights {weights}); final metrics on the test split, {counts}"
            )
        provenance = f"{measured}. Best-on-val: the checkpoint with the best validation score, scored on test."
        floors = floor_text(frame)
        if floors:
            provenance += f" Real against real at the same sample count (the floor): {floors}."
        threshold = frame["threshold"].dropna().unique().tolist() if "threshold" in frame else []
        if threshold:
            provenance += f" Time to threshold: first validation point at or below {threshold[0]:g}."
        out.append(
            Section(
                heading=f"{dataset}, budget {budget}",
                provenance=provenance,
                entries=(entries := entry_stats(frame)),
                leaderboard=leaderboard(frame, entries),
                hyperparameters=(
                    budget_table(studies[(dataset, budget, extractor)], primary_metric(frame))
                    if (dataset, budget, extractor) in studies
                    else None
                ),
                tuned_comparisons=tuned.get((dataset, budget, extractor), []),
                extra=extra_extractor_tables(frame),
                comparisons=group_comparisons,
                notes=warnings(frame),
                series_notes=series_notes(frame),
                fingerprint=f"Device: {_distinct_text(frame, 'device')}. Versions: {_distinct_text(frame, 'versions')}."
                + time_text(frame),
                frame=frame,
                key=(dataset, budget, extractor),
                along=section_along_budget(frame, group_comparisons, primary_metric(frame)),
                spaces=group_spaces,
            )
        )
    return out
