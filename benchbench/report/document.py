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
from benchbench.report.entries import primary_metric
from benchbench.report.standings import finite_or_none
from benchbench.report.stats import Comparison
from benchbench.report.tables import Section, floors, sections

DOCUMENT_VERSION = 1


def schema() -> dict[str, Any]:
    return json.loads(resources.files("benchbench.report").joinpath("report.schema.json").read_text())


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


def comparison_record(comparison: Comparison, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "a": comparison.a,
        "b": comparison.b,
        "metric": comparison.metric,
        "test": comparison.test,
        "p_value": finite_or_none(comparison.p_value),
        "reliability_test": "Fisher's exact test",
        "reliability_p": finite_or_none(comparison.reliability_p),
        "reliability_adjusted": finite_or_none(comparison.reliability_adjusted),
        "reliability_winner": comparison.reliability_winner,
        "quality_winner": comparison.quality_winner,
        "seeds_needed": comparison.seeds_needed,
        "p_adjusted": finite_or_none(comparison.p_adjusted),
        "effect_size": finite_or_none(comparison.effect_size),
        "p_a_better": finite_or_none(comparison.p_improvement),
        "winner": comparison.winner,
        "mean_a": finite_or_none(comparison.mean_a),
        "mean_b": finite_or_none(comparison.mean_b),
        "seeds_a": comparison.n_a + comparison.n_lost_a,
        "seeds_b": comparison.n_b + comparison.n_lost_b,
        "lost_a": comparison.n_lost_a,
        "lost_b": comparison.n_lost_b,
        "collapsed_a": comparison.n_collapsed_a,
        "collapsed_b": comparison.n_collapsed_b,
        "sentence": comparison.sentence(labels),
    }


def report_document(
    runs: pd.DataFrame, title: str, planned_trials: int | None, built: list[Section] | None = None
) -> dict[str, Any]:
    """The report as data (`built`: the runs' sections, when already built for another format)."""
    out_sections = []
    for section in sections(runs) if built is None else built:
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
                "entries": [entry.record() for entry in section.entries],
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
                for k in (
                    "entry",
                    "label",
                    "family",
                    "variant",
                    "seeds",
                    "completed",
                    "diverged",
                    "failed",
                    "collapsed",
                )
            }
            for name, stats in entry["metrics"].items():
                row |= {f"{name}_mean": stats["mean"], f"{name}_low": stats["low"], f"{name}_high": stats["high"]}
            rows.append(row)
    return pd.DataFrame(rows).to_csv(index=False)
