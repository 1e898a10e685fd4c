"""Side computations leave every random stream as they found them (CPU here; CUDA through the same
fork where a GPU exists): counting FLOPs or timing a step must not change what a trial draws."""

from __future__ import annotations

import contextlib
import copy
import random

import numpy as np
import pytest
import torch

from benchbench.execution.estimate import _step_cost
from benchbench.training import Budget, Trial
from benchbench.training.flops import step_flops
from benchbench.training.randomness import random_state_kept
from benchbench.training.trainer import build

CPU = torch.device("cpu")


def draws() -> tuple[float, float, float]:
    return torch.rand(1).item(), float(np.random.rand()), random.random()


def after(action) -> tuple[float, float, float]:
    torch.manual_seed(7)
    np.random.seed(7)
    random.seed(7)
    action()
    return draws()


def test_the_context_restores_torch_numpy_and_python_streams():
    untouched = after(lambda: None)

    def drawing_inside():
        with random_state_kept():
            draws()
            torch.randn(100)

    assert after(drawing_inside) == untouched


@pytest.mark.parametrize("family", ["wgan-gp", "dcgan", "began"])  # analytic and counted FLOPs
def test_flop_counting_and_step_timing_leave_the_streams_alone(family):
    trial = Trial(family, "8gaussians", 0, Budget.parse("2steps"))
    _, _, built = build(trial, CPU)
    real = torch.randn(trial.settings.batch_size, 2)
    untouched = after(lambda: None)
    assert after(lambda: step_flops(copy.deepcopy(built), real)) == untouched
    assert after(lambda: _step_cost(trial, CPU, 1)) == untouched


def test_only_the_trials_device_is_forked(monkeypatch):
    """Earlier every visible CUDA device's stream was forked at each evaluation point."""
    import benchbench.training.randomness as randomness

    forked = []

    @contextlib.contextmanager
    def fork_rng(devices):
        forked.append(list(devices))
        yield

    monkeypatch.setattr(randomness.torch.random, "fork_rng", fork_rng)
    monkeypatch.setattr(randomness.torch.cuda, "device_count", lambda: 4)
    for device, expected in (("cuda:1", [1]), (torch.device("cuda", 3), [3]), ("cpu", [])):
        with random_state_kept(device):
            pass
        assert forked.pop() == expected, device
