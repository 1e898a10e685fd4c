"""Convergence along a trial's validation trajectory: time, kimg, steps and FLOPs to a threshold
of the primary metric, and the area under its logarithm over training time."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from benchbench.metrics.evaluator import Evaluator


def resolve_threshold(rule: float | str | None, evaluator: Evaluator, dataset: Any, n: int) -> float | None:
    """A number as it is; "Nx": N times the primary metric of n real training samples against
    the validation split, which is the floor a generator can reach at that sample count. The
    setting is FID's: on data scored by another primary metric (SWD on 2-D points, where every
    trial met "150x" at its first evaluation) there is no threshold."""
    if rule is None or evaluator.primary != "fid":
        return None
    if isinstance(rule, (int, float)):
        return rule
    return float(rule[:-1]) * evaluator.floor(n, "validation")[evaluator.primary]


def convergence(trajectory: list[dict[str, float]], metric: str, threshold: float | None) -> dict[str, Any]:
    """Time, kimg and steps to reach `threshold` on the validation trajectory (None: not reached),
    and the area under log(metric) over normalised training time (lower: faster and better)."""
    points = [row for row in trajectory if math.isfinite(row.get(metric, math.nan))]
    out: dict[str, Any] = {
        "metric": metric,
        "threshold": threshold,
        "seconds_to_threshold": None,
        "kimg_to_threshold": None,
        "steps_to_threshold": None,
        "flops_to_threshold": None,
        "auc_log": None,
    }
    if threshold is not None:
        for row in points:
            if row[metric] <= threshold:
                out.update(
                    seconds_to_threshold=row["train_seconds"],
                    kimg_to_threshold=row["kimg"],
                    steps_to_threshold=row["step"],
                    flops_to_threshold=row.get("flops"),
                )
                break
    if len(points) >= 2 and all(row[metric] > 0 for row in points):
        seconds = np.array([row["train_seconds"] for row in points])
        values = np.log(np.array([row[metric] for row in points]))
        span = seconds[-1] - seconds[0]
        if span > 0:
            out["auc_log"] = float(np.trapezoid(values, seconds) / span)
    return out
