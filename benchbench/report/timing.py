"""Where a run's wall clock went: training against what the harness spends beside it, and the
final scoring itemised per feature space and per computation, as the trials recorded them."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

TIME_COUNTERS = ("train_seconds", "eval_seconds", "final_seconds", "setup_seconds")

# parts of a final scoring shorter than this (mean per trial) are summed into one "the rest"
SHOWN_FROM_SECONDS = 0.1


def beside_training(counters: pd.DataFrame) -> dict[str, float]:
    """Mean seconds per trial spent beside its training, as its counters split them (a row per
    trial, TIME_COUNTERS columns): evaluation along the budget with checkpoints (eval_seconds
    holds the final scoring too), final scoring, set-up."""
    return {
        "along": float((counters["eval_seconds"] - counters["final_seconds"]).mean()),
        "final": float(counters["final_seconds"].mean()),
        "setup": float(counters["setup_seconds"].mean()),
    }


def time_text(frame: pd.DataFrame) -> str:
    """Where a trial's wall clock went, as the trials recorded it (mean over them): what the
    harness spends beside the training the budget buys."""
    if not all(c in frame and frame[c].notna().any() for c in TIME_COUNTERS):
        return ""  # trials written before these were recorded
    beside = beside_training(frame)
    parts = scoring_text(list(frame["scoring_seconds"]), beside["final"]) if "scoring_seconds" in frame else ""
    return (
        f" Per trial (mean): training {frame['train_seconds'].mean():.0f} s; beside it, evaluation along the "
        f"budget and checkpoints {beside['along']:.0f} s, final scoring {beside['final']:.0f} s, "
        f"set-up {beside['setup']:.0f} s." + (f" {parts}" if parts else "")
    )


def time_line(summaries: list[dict[str, Any]], wall: float, jobs: int) -> str:
    """The run's wall clock against the training its budgets bought (trials trained now only)."""
    if not summaries:
        return f"{wall:.0f} s of wall clock (no training in this run: its trials had finished)"
    counters = pd.DataFrame([s.get("counters", {}) for s in summaries]).reindex(columns=TIME_COUNTERS).fillna(0.0)
    at_once = min(jobs, len(counters))
    training = counters["train_seconds"].sum() / max(1, at_once)
    if training <= 0:
        return f"{wall:.0f} s of wall clock (its trials recorded no training time)"
    beside = beside_training(counters)
    parts = scoring_text([s.get("scoring_seconds") for s in summaries], beside["final"])
    return (
        f"{wall:.0f} s of wall clock for {training:.0f} s of training at {at_once} at a time "
        f"({wall / training:.2f}x); per trial beside its training: evaluation along the budget "
        f"{beside['along']:.0f} s, final scoring {beside['final']:.0f} s, set-up {beside['setup']:.0f} s"
        + (f"\n{parts}" if parts else "")
    )


def scoring_text(recorded: list[Any], final_seconds: float) -> str:
    """The final scoring itemised, mean per trial over the trials that recorded it (FinalScorer's
    scoring_seconds): sampling, each feature space's reference, features and computations, the
    floor, the best generator's own scoring; what no part holds (writing the sample grid, the
    summary) is the rest of final_seconds."""
    parsed = [json.loads(r) if isinstance(r, str) else r for r in recorded]  # a report's rows hold JSON
    rows = [flat(r) for r in parsed if isinstance(r, dict) and r]
    if not rows:
        return ""
    means = pd.DataFrame(rows).fillna(0.0).mean()
    groups: dict[str, list[str]] = {"": []}  # the parts of no feature space first, then each space
    small = 0.0
    for key, seconds in means.sort_values(ascending=False, kind="stable").items():  # the largest first
        space, _, part = str(key).rpartition(": ")
        if seconds < SHOWN_FROM_SECONDS:
            small += seconds
            continue
        groups.setdefault(space, []).append(f"{part} {seconds:.1f} s")
    unaccounted = final_seconds - float(means.sum())
    texts = [(f"{space}: " if space else "") + ", ".join(parts) for space, parts in groups.items() if parts]
    rest = small + max(0.0, unaccounted)
    return "Final scoring by part (mean per trial): " + "; ".join([*texts, f"the rest {rest:.1f} s."])


def flat(seconds: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """{"mnist-classifier": {"features": 1.4}} as {"mnist-classifier: features": 1.4}."""
    out: dict[str, float] = {}
    for key, value in seconds.items():
        if isinstance(value, dict):
            out |= flat(value, f"{prefix}{key}: ")
        elif isinstance(value, (int, float)):
            out[f"{prefix}{key}"] = float(value)
    return out
