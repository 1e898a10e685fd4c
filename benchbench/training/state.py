"""Everything a trial accumulates while it trains, and its round trip through a checkpoint."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

import benchbench.datasets as datasets
from benchbench.families import Family
from benchbench.metrics.evaluator import Evaluator
from benchbench.nets import NetSpec
from benchbench.training.budget import Counters


def eval_fractions(points: int, first: float = 0.02) -> list[float]:
    """Log-spaced fractions of the budget at which to evaluate, ending at 1.0: early progress is
    fast and worth resolving, late progress is slow."""
    if points <= 1:
        return [1.0]
    return [float(f) for f in np.geomspace(first, 1.0, points)]


@dataclass
class TrialState:
    counters: Counters = field(default_factory=Counters)
    trajectory: list[dict[str, float]] = field(default_factory=list)
    next_eval: int = 0
    best_score: float = math.inf
    best_step: int = -1
    best_generator: dict[str, torch.Tensor] | None = None
    log_sums: dict[str, float] = field(default_factory=dict)
    log_count: int = 0
    diverged_at: int | None = None
    flops_by_phase: dict[str, float] = field(default_factory=dict)

    def add_log_sums(self, sums: dict[str, float], count: int) -> None:
        for key, value in sums.items():
            self.log_sums[key] = self.log_sums.get(key, 0.0) + value
        self.log_count += count

    def pop_log_means(self) -> dict[str, float]:
        """Mean of each training log since the last evaluation point."""
        means = {k: v / self.log_count for k, v in self.log_sums.items()} if self.log_count else {}
        self.log_sums, self.log_count = {}, 0
        return means

    def keep_if_best(self, score: float, step: int, generator: torch.nn.Module) -> None:
        if math.isfinite(score) and score < self.best_score:
            self.best_score, self.best_step = score, step
            self.best_generator = copy.deepcopy(generator.state_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "counters": asdict(self.counters),
            "trajectory": self.trajectory,
            "next_eval": self.next_eval,
            "best_score": self.best_score,
            "best_step": self.best_step,
            "best_generator": self.best_generator,
            "log_sums": self.log_sums,
            "log_count": self.log_count,
            "flops_by_phase": self.flops_by_phase,
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> TrialState:
        return cls(
            counters=Counters(**state["counters"]),
            trajectory=list(state["trajectory"]),
            next_eval=int(state["next_eval"]),
            best_score=float(state["best_score"]),
            best_step=int(state["best_step"]),
            best_generator=state["best_generator"],
            log_sums=dict(state["log_sums"]),
            log_count=int(state["log_count"]),
            flops_by_phase=dict(state.get("flops_by_phase", {})),
        )


@dataclass
class Run:
    """A trial in progress: what it trains with, and the FLOPs of its current phase's step."""

    dataset: datasets.Dataset
    spec: NetSpec
    family: Family
    evaluator: Evaluator
    stream: datasets.BatchStream
    state: TrialState
    train_step: Callable[..., Any]
    flops_per_step: float
    flops_method: str
    phase: str
