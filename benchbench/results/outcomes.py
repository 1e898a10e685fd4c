"""What a seed's outcome is on one metric: one rule, read by the report's verdicts and the gate.

A seed is *kept* when its trial completed with a finite value of the metric, and *lost* when
its trial diverged or failed, or completed without a finite value (a NaN FID is no score). A lost
seed is an outcome, counted and tested as one (Fisher's exact test on lost against kept seeds),
never averaged in as a number. Trials still pending or running are neither.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

LOST_STATUSES = ("diverged", "failed")


@dataclass(frozen=True)
class Outcomes:
    kept: list[float]  # the finite values of completed seeds
    lost: int  # seeds diverged, failed, or completed without a finite value
    reasons: dict[str, int]  # lost seeds by why: "diverged", "failed", "no value"

    @property
    def seeds(self) -> int:
        return len(self.kept) + self.lost


def outcomes(trials: pd.DataFrame, column: str) -> Outcomes:
    """The kept values and lost count of `column` over `trials` (a runs table's rows)."""
    kept: list[float] = []
    reasons = dict.fromkeys((*LOST_STATUSES, "no value"), 0)
    for status, value in zip(trials["status"], trials[column] if column in trials else [None] * len(trials)):
        if status in LOST_STATUSES:
            reasons[status] += 1
        elif status == "completed":
            number = _number(value)
            if number is None:
                reasons["no value"] += 1
            else:
                kept.append(number)
    return Outcomes(kept, sum(reasons.values()), {k: v for k, v in reasons.items() if v})


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
