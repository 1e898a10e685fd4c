"""What every report part shares: entry names and labels, the primary metric of a group of
trials and its direction, collapsed-seed counts, interval text and the comparison of two
entries. Renderers and checks import this module; it imports none of them.

An entry (a family, one swept variant of it, or either with its step computed otherwise, e.g.
"NAME autocast=bf16") and its label are columns of the runs table, set once when the runs are
loaded (report/load.py): nothing here keeps state between calls."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd

from benchbench.metrics.catalog import METRICS
from benchbench.report.stats import Comparison, compare, mean_ci
from benchbench.results.outcomes import outcomes


def heading(name: str) -> str:
    """A metric's column heading from the catalogue (its name if it is not declared)."""
    return METRICS.get(name).heading if name in METRICS else name


def _joined(frame: pd.DataFrame, column: str) -> pd.Series:
    if "variant" not in frame:
        return frame[column].astype(str)
    return (frame[column].astype(str) + " " + frame["variant"].fillna("").astype(str)).str.strip()


def entry_names(frame: pd.DataFrame) -> pd.Series:
    """What a report compares: a family, or each swept variant of it as an entry of its own, and
    apart again when its step settings differ (the `entry` column load_runs sets; a table built
    by hand without it: family and variant)."""
    return frame["entry"] if "entry" in frame else _joined(frame, "family")


def configured_names(frame: pd.DataFrame) -> pd.Series:
    """A family, or its swept variant, whatever its step settings: what the regression gate keys
    a baseline by (it matches step settings apart, and says when they differ)."""
    return _joined(frame, "family")


def entry_labels(frame: pd.DataFrame) -> dict[str, str]:
    """{entry: how reports name it}: its family's label as its trials recorded it, then its
    variant if swept and its step settings if changed ("NAME gamma=0.3 autocast=bf16")."""
    if "label" in frame:
        names = frame["label"]
    elif "family_label" in frame:
        names = _joined(frame.assign(family_label=frame["family_label"].fillna(frame["family"])), "family_label")
    else:
        names = entry_names(frame)
    return dict(zip(entry_names(frame), names))


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
    """The catalogue's direction for a metric (metrics/catalog.py); lower for one it does not list."""
    return METRICS.get(metric).lower_is_better if metric in METRICS else True


def metric_of(column: str) -> str:
    """The catalogued metric a runs-table column holds: final_fid@mnist-lenet -> fid."""
    name = column.split("@", 1)[0]
    for prefix in ("final_", "best_"):
        name = name.removeprefix(prefix)
    return name


def compare_entries(frame: pd.DataFrame, a: str, b: str, column: str, metric: str) -> Comparison:
    """Entries a and b on `column` over their kept seeds, in the direction the catalogue gives the
    column's metric (`metric` is the heading sentences use); lost seeds (results/outcomes.py:
    diverged, failed, or no finite value) are outcomes for the reliability test (stats.compare)."""
    entry = entry_names(frame)
    found = {e: outcomes(frame[entry == e], column) for e in (a, b)}
    comparison = compare(
        a,
        found[a].kept,
        b,
        found[b].kept,
        metric,
        lower_is_better(metric_of(column)),
        lost_a=found[a].lost,
        lost_b=found[b].lost,
    )
    comparison.n_collapsed_a = collapsed_count(frame[entry == a])
    comparison.n_collapsed_b = collapsed_count(frame[entry == b])
    return comparison
