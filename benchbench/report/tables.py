"""Leaderboards and verdicts from a runs table (one row per trial), rendered as Markdown.

A group is one dataset under one budget: only its trials are compared with each other, and
each table names its feature extractor, because FIDs from different extractors are different
quantities. A verdict compares the final primary metric (FID for images, sliced Wasserstein
distance for 2-D points) on the test split.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Iterator

import pandas as pd

from benchbench.report.stats import Comparison, adjust, bootstrap_ci, compare

LABELS = {"wgan-gp": "WGAN-GP", "began": "BEGAN", "wgan": "WGAN", "dcgan": "DCGAN"}

# (column, heading, scale): metrics shown per family when the runs have them.
COLUMNS = [
    ("final_{p}", "final {P} (bootstrap 95% CI)", 1.0),
    ("best_{p}", "best-on-val {P}", 1.0),
    ("final_is", "IS", 1.0),
    ("final_kid", "KID", 1.0),
    ("final_precision", "precision", 1.0),
    ("final_recall", "recall", 1.0),
    ("final_modes_covered", "modes", 1.0),
    ("final_high_quality_share", "high-quality", 1.0),
    ("final_reverse_kl", "reverse KL", 1.0),
    ("seconds_to_threshold", "s to threshold", 1.0),
    ("auc_log", "AUC log-{P}", 1.0),
    ("images_per_second", "images/s", 1.0),
    ("steps", "G steps", 1.0),
]


def label(family: str) -> str:
    return LABELS.get(family, family)


def _fmt(mean: float, low: float, high: float, with_ci: bool) -> str:
    if math.isnan(mean):
        return "-"
    text = f"{mean:.4g}"
    if with_ci and not math.isnan(low):
        text += f" [{low:.4g}, {high:.4g}]"
    return text


def groups(runs: pd.DataFrame) -> Iterator[tuple[tuple[str, str, str], pd.DataFrame]]:
    """(dataset, budget, extractor) groups; trials without a result still count in their group."""
    runs = runs.copy()
    runs["extractor"] = runs["extractor"].fillna("-")
    for key, frame in runs.groupby(["dataset", "budget", "extractor"], sort=True):
        yield key, frame


def leaderboard(frame: pd.DataFrame) -> pd.DataFrame:
    primary = str(frame["primary_metric"].dropna().iloc[0]) if frame["primary_metric"].notna().any() else "fid"
    rows = []
    for family, trials in frame.groupby("family", sort=False):
        completed = trials[trials["status"] == "completed"]
        row: dict[str, Any] = {
            "family": label(family),
            "seeds": len(trials),
            "completed": len(completed),
            "diverged": int((trials["status"] == "diverged").sum()),
            "failed": int((trials["status"] == "failed").sum()),
        }
        for column, heading, scale in COLUMNS:
            column, heading = column.format(p=primary), heading.format(P=primary.upper())
            if column not in completed or completed[column].isna().all():
                continue
            mean, low, high = bootstrap_ci([v * scale for v in completed[column].dropna()])
            row[heading] = _fmt(mean, low, high, with_ci=heading.startswith("final"))
        rows.append(row)
    table = pd.DataFrame(rows)
    key = f"final {primary.upper()} (bootstrap 95% CI)"
    if key in table:
        order = [float(v.split(" ")[0]) if v != "-" else math.inf for v in table[key]]
        table = table.assign(_order=order).sort_values("_order").drop(columns="_order")
    return table.reset_index(drop=True)


def verdicts(frame: pd.DataFrame) -> list[Comparison]:
    primary = str(frame["primary_metric"].dropna().iloc[0]) if frame["primary_metric"].notna().any() else "fid"
    column = f"final_{primary}"
    if column not in frame:
        return []
    completed = frame[frame["status"] == "completed"]
    lost = frame[frame["status"].isin(["diverged", "failed"])]
    families = list(dict.fromkeys(frame["family"]))
    return [
        compare(a, completed.loc[completed["family"] == a, column].tolist(),
                b, completed.loc[completed["family"] == b, column].tolist(), primary.upper(),
                lost_a=int((lost["family"] == a).sum()), lost_b=int((lost["family"] == b).sum()))  # fmt: skip
        for a, b in itertools.combinations(families, 2)
    ]


def warnings(frame: pd.DataFrame) -> list[str]:
    notes = []
    for family, trials in frame.groupby("family", sort=False):
        if len(trials) < 3:
            notes.append(f"{label(family)}: only {len(trials)} seed(s); intervals and tests need at least 3.")
        collapsed = int(trials["collapse_suspected"].fillna(False).astype(bool).sum())
        if collapsed:
            notes.append(f"{label(family)}: collapse suspected in {collapsed} of {len(trials)} seeds "
                         "(final IS below 1.5, or at most one mode covered).")  # fmt: skip
        for _, trial in trials[trials["status"] != "completed"].iterrows():
            detail = f" at step {int(trial['diverged_at_step'])}" if trial["status"] == "diverged" else ""
            notes.append(f"{label(family)} seed {trial['seed']}: {trial['status']}{detail}"
                         + (f" ({trial['error']})" if isinstance(trial.get("error"), str) else ""))  # fmt: skip
    return notes


def extra_extractor_tables(frame: pd.DataFrame) -> list[str]:
    """Final numbers from additional extractors, one table each: never in the primary columns."""
    lines = []
    extractors = sorted({c.split("@", 1)[1] for c in frame.columns if c.startswith("final_fid@")})
    for extractor in extractors:
        completed = frame[frame["status"] == "completed"]
        rows = []
        for family, trials in completed.groupby("family", sort=False):
            row: dict[str, Any] = {"family": label(family), "seeds": len(trials)}
            for metric, heading in (("fid", "final FID (bootstrap 95% CI)"), ("kid", "KID"), ("is", "IS"),
                                    ("precision", "precision"), ("recall", "recall")):  # fmt: skip
                column = f"final_{metric}@{extractor}"
                if column in trials and trials[column].notna().any():
                    row[heading] = _fmt(*bootstrap_ci(trials[column].dropna().tolist()), heading.startswith("final"))
            rows.append(row)
        weights = _distinct_text(frame, f"extractor_weights@{extractor}")
        lines += [f"Also scored with `{extractor}` (weights {weights}), same samples and split:", "",
                  pd.DataFrame(rows).to_markdown(index=False), ""]  # fmt: skip
    return lines


def _distinct_text(frame: pd.DataFrame, column: str) -> str:
    return ", ".join(map(str, frame[column].dropna().unique())) if column in frame else "-"


def _distinct(frame: pd.DataFrame, column: str) -> str:
    values = frame[column].dropna().astype(int).unique().tolist() if column in frame else []
    return "/".join(str(v) for v in values) or "-"


def render_markdown(runs: pd.DataFrame, title: str = "benchbench report") -> str:
    lines = [f"# {title}", ""]
    grouped = list(groups(runs))
    comparisons = [verdicts(frame) for _, frame in grouped]
    adjust([c for group in comparisons for c in group])  # Holm over every comparison in this report
    for ((dataset, budget, extractor), frame), group_comparisons in zip(grouped, comparisons):
        completed = frame[frame["status"] == "completed"]
        n_fake = _distinct(completed, "final_n_fake")
        n_real = _distinct(completed, "final_n_real")
        weights = frame["extractor_weights"].dropna().unique().tolist() if "extractor_weights" in frame else []
        lines += [f"## {dataset}, budget {budget}", ""]
        lines += [f"Feature extractor: `{extractor}`" + (f" (weights {', '.join(weights)})" if weights else "")
                  + f"; final metrics on the test split, {n_fake} generated vs {n_real} real. "
                  "Best-on-val: the checkpoint with the best validation score, scored on test.", ""]  # fmt: skip
        threshold = frame["threshold"].dropna().unique().tolist() if "threshold" in frame else []
        if threshold:
            lines += [f"Threshold for time-to-threshold (validation trajectory): {threshold[0]:g}.", ""]
        lines += [leaderboard(frame).to_markdown(index=False), ""]
        lines += extra_extractor_tables(frame)
        for comparison in group_comparisons:
            lines.append(f"**Verdict:** {comparison.sentence(LABELS)}.")
        notes = warnings(frame)
        if notes:
            lines += [""] + [f"- {note}" for note in notes]
        devices = frame["device"].dropna().unique().tolist()
        versions = frame["versions"].dropna().unique().tolist()
        lines += ["", f"Device: {'; '.join(devices)}. Versions: {'; '.join(versions)}.", ""]
    return "\n".join(lines)
