"""The report as data: what `report --format json` writes and a leaderboard site or notebook reads.

One document per report, versioned (`schema_version`) and described by `report.schema.json`
beside this file: per section (one dataset under one budget and extractor) the leaderboard
entries with every metric's mean and t interval and their seed counts, the verdicts
with their test, p-values, effect size and P(better), the verdicts at equal tuning effort when a
hyperparameter study ran; then the claims with their outcomes, and every trial's row. The
leaderboard CSV is the entries flattened to one row each.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from typing import Any

import pandas as pd

from benchbench.report.claims import check_claims
from benchbench.report.entries import by_entry, collapsed_count, label, primary_metric
from benchbench.report.stats import CI_LABEL, Comparison, mean_ci
from benchbench.report.tables import floors, sections

DOCUMENT_VERSION = 1
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


def schema() -> dict[str, Any]:
    return json.loads(resources.files("benchbench.report").joinpath("report.schema.json").read_text())


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _metric_columns(frame: pd.DataFrame) -> list[str]:
    columns = [c for c in frame.columns if c.startswith(SUMMARISED_PREFIXES) and c not in NOT_METRICS]
    return columns + [c for c in SUMMARISED if c in frame]


def entry_record(entry: str, trials: pd.DataFrame) -> dict[str, Any]:
    completed = trials[trials["status"] == "completed"]
    metrics = {}
    for column in _metric_columns(trials):
        values = [v for v in (_number(x) for x in completed[column]) if v is not None] if column in completed else []
        if values:
            mean, low, high = mean_ci(values)
            metrics[column] = {
                "mean": mean,
                "low": _number(low),
                "high": _number(high),
                "n": len(values),
                "interval": CI_LABEL,
            }
    family, _, variant = entry.partition(" ")
    status = trials["status"]
    return {
        "entry": entry,
        "label": label(entry),
        "family": family,
        "variant": variant,
        "seeds": int(len(trials)),
        "completed": int((status == "completed").sum()),
        "diverged": int((status == "diverged").sum()),
        "failed": int((status == "failed").sum()),
        "collapsed": collapsed_count(trials),
        "metrics": metrics,
    }


def comparison_record(comparison: Comparison, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "a": comparison.a,
        "b": comparison.b,
        "metric": comparison.metric,
        "test": comparison.test,
        "p_value": _number(comparison.p_value),
        "reliability_test": "Fisher's exact test",
        "reliability_p": _number(comparison.reliability_p),
        "reliability_adjusted": _number(comparison.reliability_adjusted),
        "reliability_winner": comparison.reliability_winner,
        "quality_winner": comparison.quality_winner,
        "seeds_needed": comparison.seeds_needed,
        "p_adjusted": _number(comparison.p_adjusted),
        "effect_size": _number(comparison.effect_size),
        "p_a_better": _number(comparison.p_improvement),
        "winner": comparison.winner,
        "mean_a": _number(comparison.mean_a),
        "mean_b": _number(comparison.mean_b),
        "seeds_a": comparison.n_a + comparison.n_lost_a,
        "seeds_b": comparison.n_b + comparison.n_lost_b,
        "lost_a": comparison.n_lost_a,
        "lost_b": comparison.n_lost_b,
        "collapsed_a": comparison.n_collapsed_a,
        "collapsed_b": comparison.n_collapsed_b,
        "sentence": comparison.sentence(labels),
    }


def report_document(runs: pd.DataFrame, title: str, planned_trials: int | None) -> dict[str, Any]:
    out_sections = []
    for section in sections(runs):
        dataset, budget, extractor = section.key
        frame = section.frame
        weights = frame["extractor_weights"].dropna().unique().tolist() if "extractor_weights" in frame else []
        out_sections.append(
            {
                "dataset": dataset,
                "budget": budget,
                "extractor": extractor,
                "extractor_weights": weights[0] if len(weights) == 1 else None,
                "primary_metric": primary_metric(frame),
                "entries": [entry_record(entry, trials) for entry, trials in by_entry(frame)],
                "verdicts": [comparison_record(c, section.labels) for c in section.comparisons],
                "tuned_verdicts": [comparison_record(c, section.labels) for c in section.tuned_comparisons],
                "along_budget": [along.record(section.labels) for along in section.along],
                "feature_spaces": [
                    {
                        "extractor": space.extractor,
                        "agreement": space.agreement,
                        "verdict": comparison_record(space.other, section.labels),
                        "sentence": space.sentence(section.labels, extractor),
                    }
                    for space in section.spaces
                ],
                "floor": {which: {"value": v, "n": n} for which, (v, n) in floors(frame).items()},
                "notes": section.notes,
            }
        )
    claims = [
        {"title": c.title, "statement": c.statement, "outcome": c.outcome, "findings": c.findings}
        for c in check_claims(runs)
    ]
    trials = [{k: v for k, v in row.items()} for row in runs.to_dict(orient="records")]
    return _clean(
        {
            "schema_version": DOCUMENT_VERSION,
            "title": title,
            "trials_planned": planned_trials,
            "trials_found": int(len(runs)),
            "sections": out_sections,
            "claims": claims,
            "trials": trials,
        }
    )


def leaderboard_csv(document: dict[str, Any]) -> str:
    """One row per entry and section: identifying columns, seed counts, then mean/low/high per metric."""
    rows = []
    for section in document["sections"]:
        for entry in section["entries"]:
            row = {k: section[k] for k in ("dataset", "budget", "extractor", "extractor_weights")}
            row |= {
                k: entry[k]
                for k in ("entry", "family", "variant", "seeds", "completed", "diverged", "failed", "collapsed")
            }
            for name, stats in entry["metrics"].items():
                row |= {f"{name}_mean": stats["mean"], f"{name}_low": stats["low"], f"{name}_high": stats["high"]}
            rows.append(row)
    return pd.DataFrame(rows).to_csv(index=False)
