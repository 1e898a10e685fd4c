"""Budgets, trials and the trainer that runs them."""

from benchbench.training.budget import Budget, Counters
from benchbench.training.trainer import build, run_trial
from benchbench.training.trial import Settings, Trial

__all__ = ["Budget", "Counters", "Settings", "Trial", "build", "run_trial"]
