"""How long a plan will train, said before it starts: seconds budgets are their own estimate;
for steps, kimg and FLOPs budgets a few steps of each configuration are timed here. A trial that
would train for more than a day at that speed is refused unless the user asks for it."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from benchbench.environment import threads_per_trial
from benchbench.errors import UserError, one_line
from benchbench.training import Trial
from benchbench.training.flops import step_flops
from benchbench.training.randomness import random_state_kept
from benchbench.training.trainer import build

DAY = 86_400.0
TIMED_STEPS = 2


@dataclass
class StepCost:
    seconds: float
    images: int
    flops: float


def _step_cost(trial: Trial, device: torch.device, jobs: int) -> StepCost:
    """Seconds, real images and FLOPs of one step of this configuration (after one warm-up step)
    on freshly built networks, with the threads the trial will have: the trial is untouched."""
    with random_state_kept(device):
        return _timed_steps(trial, device, jobs)


def _timed_steps(trial: Trial, device: torch.device, jobs: int) -> StepCost:
    threads = torch.get_num_threads()
    dataset, _, family = build(trial, device)
    torch.set_num_threads(threads_per_trial(jobs, dataset.kind))
    stream = dataset.train_batches(trial.settings.batch_size, 0)
    drawn = [0]

    def real() -> torch.Tensor:
        batch = stream.next()
        drawn[0] += len(batch)
        return dataset.to_model(batch, family.pixel_range).to(device)

    flops, _ = step_flops(copy.deepcopy(family), real())
    family.train_step(real)
    drawn[0] = 0
    started = time.perf_counter()
    for _ in range(TIMED_STEPS):
        family.train_step(real)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    torch.set_num_threads(threads)
    return StepCost((time.perf_counter() - started) / TIMED_STEPS, drawn[0] // TIMED_STEPS, flops)


def training_seconds(trial: Trial, cost: StepCost | None) -> float:
    budget = trial.budget
    if budget.kind == "seconds":
        return budget.value
    assert cost is not None
    steps = {
        "steps": budget.value,
        "kimg": budget.value * 1000 / max(cost.images, 1),
        "flops": budget.value / max(cost.flops, 1.0),
    }[budget.kind]
    return steps * cost.seconds


def estimate(
    trials: list[Trial],
    device: torch.device,
    jobs: int = 1,
    allow_long: bool = False,
    say: Callable[[str], None] = lambda text: None,
) -> dict[str, float]:
    """{trial key: estimated training seconds}; refuses a trial estimated above a day. A family
    whose step fails here is left out of the estimate (its trials fail, recorded, when they run)."""
    costs: dict[str, StepCost | None] = {}
    out = {}
    for trial in trials:
        cost = None
        if trial.budget.kind != "seconds":
            key = trial.config_hash()
            if key not in costs:
                try:
                    costs[key] = _step_cost(trial, device, jobs)
                except UserError:
                    raise
                except Exception as error:  # the family's own code: its trials record the failure
                    costs[key] = None
                    say(f"cannot time {trial.family} ({one_line(error)}): left out of the estimate")
            cost = costs[key]
            if cost is None:
                out[trial.key] = 0.0
                continue
        out[trial.key] = seconds = training_seconds(trial, cost)
        if seconds > DAY and not allow_long:
            speed = f" at the {cost.seconds:.3g} s per step measured here" if cost else ""
            raise UserError(
                f"{trial.family} on {trial.dataset} with budget {trial.budget} would train for about "
                f"{seconds / DAY:.3g} days{speed}; pass --allow-long to run it anyway"
            )
    return out


def describe(seconds: dict[str, float], jobs: int) -> str:
    total = sum(seconds.values())
    wall = total / max(1, min(jobs, len(seconds)))
    return f"about {_duration(total)} of training in all, {_duration(wall)} with {min(jobs, len(seconds))} at a time, plus evaluation"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
