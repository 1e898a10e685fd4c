"""What every report part shares: entry names and labels, the primary metric of a group of
trials, collapsed-seed counts, interval text and the comparison of two entries. Renderers and
checks import this module; it imports none of them."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd

from benchbench.metrics.catalog import METRICS
from benchbench.report.load import FAMILY_LABELS
from benchbench.report.stats import Comparison, compare, mean_ci


def heading(name: str) -> str:
    """A metric's column heading from the catalogue (its name if it is not declared)."""
    return METRICS.get(name).heading if name in METRICS else name


def label(entry: str) -> str:
    """An entry as reports name it: its family's label (as its trials recorded it), then its
    variant if swept ("gamma=0.3")."""
    family, _, variant = entry.partition(" ")
    return f"{FAMILY_LABELS.get(family, family)} {variant}".strip()


def entry_names(frame: pd.DataFrame) -> pd.Series:
    """What a report compares: a family, or each swept variant of it as an entry of its own.
    (The families' labels, where the frame has them, are noted for label().)"""
    if "family_label" in frame:
        for family, text in zip(frame["family"], frame["family_label"]):
            if isinstance(text, str) and text:
                FAMILY_LABELS[family] = text
    if "variant" not in frame:
        return frame["family"]
    variant = frame["variant"].fillna("").astype(str)
    return (frame["family"] + " " + variant).str.strip()


def by_entry(frame: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    yield from frame.groupby(entry_names(frame), sort=False)


def interval_text(mean: float, low: float, high: float, with_ci: bool) -> str:
    if math.isnan(mean):
        return "-"
    text = f"{mean:.4g}"
    if with_ci and not math.isnan(low):
        text += f" [{low:.4g}, {high:.4g}]"
    return text


def ci_text(values: list[float]) -> str:
    """'mean [low, high]' with Student's t 95% interval over seeds (CI_LABEL)."""
    return interval_text(*mean_ci(values), with_ci=True)


def collapsed_count(trials: pd.DataFrame) -> int:
    """Seeds flagged collapsed (metrics/collapse.py): counted and shown, never averaged in silently."""
    if "collapse_suspected" not in trials:
        return 0
    return int(trials["collapse_suspected"].fillna(False).astype(bool).sum())


def primary_metric(frame: pd.DataFrame) -> str:
    """The metric a group's verdicts rest on (FID for images, SWD for points), as its trials
    recorded it; "fid" when no trial finished."""
    if "primary_metric" not in frame or not frame["primary_metric"].notna().any():
        return "fid"
    return str(frame["primary_metric"].dropna().iloc[0])


def lower_is_better(metric: str) -> bool:
    return METRICS.get(metric).lower_is_better if metric in METRICS else True


def compare_entries(
    frame: pd.DataFrame, a: str, b: str, column: str, metric: str, lower_is_better: bool = True
) -> Comparison:
    """Entries a and b on `column` over their completed seeds; diverged or failed seeds, and
    completed ones without a finite value, are lost outcomes (stats.compare)."""
    entry = entry_names(frame)
    done, lost = frame["status"] == "completed", frame["status"].isin(["diverged", "failed"])
    values = {
        e: frame.loc[(entry == e) & done, column].astype(float).tolist() if column in frame else [] for e in (a, b)
    }
    comparison = compare(
        a,
        values[a],
        b,
        values[b],
        metric,
        lower_is_better,
        lost_a=int(((entry == a) & lost).sum()),
        lost_b=int(((entry == b) & lost).sum()),
    )
    comparison.n_collapsed_a = collapsed_count(frame[entry == a])
    comparison.n_collapsed_b = collapsed_count(frame[entry == b])
    return comparison
