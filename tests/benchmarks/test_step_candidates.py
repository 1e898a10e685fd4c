"""The training step's speed-ups that were candidates, against today's step, in one run.

Each candidate is timed in blocks interleaved with the others (block r of every candidate runs
before block r + 1 of any), so that a machine's drift hits them alike; pytest-benchmark groups
them by family. docs/speed.md gives the numbers on the 2-core VM and why none was adopted:

    pytest tests/benchmarks/test_step_candidates.py --benchmark-only -o addopts="" \\
        --benchmark-group-by=param:family --benchmark-sort=name
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

from benchbench.bench import BenchConfig, setup_trial
from benchbench.families.base import frozen, update
from benchbench.training import speed

CPU = torch.device("cpu")
ROUNDS = 3  # interleaved blocks per candidate
STEPS = 5  # steps per block


def gp_in_one_forward(family: Any, real: Callable[[], torch.Tensor]) -> None:
    """WGAN-GP with real, generated and interpolated samples through the critic in one forward
    (the critic has no batch norm, so each sample's score is the same); the penalty's gradient
    then runs through all three thirds."""
    c = family.config
    for x, fake in family.discriminator_batches(real, c["n_critic"]):
        n = len(x)
        mix = torch.rand([n] + [1] * (x.dim() - 1), device=x.device)
        interpolates = (mix * x + (1 - mix) * fake).requires_grad_(True)
        scores = family.critic(torch.cat([x, fake, interpolates]))
        (gradient,) = torch.autograd.grad(scores[2 * n :].sum(), interpolates, create_graph=True)
        penalty = ((gradient.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
        update(family.opt_d, -(scores[:n].mean() - scores[n : 2 * n].mean()) + c["gp_lambda"] * penalty)
    with frozen(family.critic):
        g_loss = -family.critic(family.generator(family.latent(len(x)))).mean()
    update(family.opt_g, g_loss)


def real_and_fake_in_one_forward(family: Any, real: Callable[[], torch.Tensor]) -> None:
    """WGAN-GP with real and generated samples in one forward, the penalty's apart."""
    c = family.config
    for x, fake in family.discriminator_batches(real, c["n_critic"]):
        n = len(x)
        scores = family.critic(torch.cat([x, fake]))
        update(
            family.opt_d, -(scores[:n].mean() - scores[n:].mean()) + c["gp_lambda"] * family.gradient_penalty(x, fake)
        )
    with frozen(family.critic):
        g_loss = -family.critic(family.generator(family.latent(len(x)))).mean()
    update(family.opt_g, g_loss)


CANDIDATES: dict[str, dict[str, Any]] = {
    "today": {},
    "channels_last": {"channels_last": True},
    "foreach Adam": {"optimizer_impl": "foreach"},
    "fused Adam": {"optimizer_impl": "fused"},
    "GP in one forward": {"step": gp_in_one_forward},
    "real and fake in one forward": {"step": real_and_fake_in_one_forward},
    "bf16 autocast": {"bf16": True},
    "bf16 autocast, channels_last": {"bf16": True, "channels_last": True},
}


def _step(family_name: str, candidate: str) -> Callable[[], None]:
    options = CANDIDATES[candidate]
    config = BenchConfig(
        width=0.25,
        batch_size=64,
        channels_last=options.get("channels_last", False),
        optimizer_impl=options.get("optimizer_impl", "default"),
        bf16=options.get("bf16", False),
    )
    _, family, real, _ = setup_trial(family_name, "mnist", CPU, config)
    step = speed.apply(family, config.step_settings(), CPU, True)
    if "step" in options:
        return lambda: options["step"](family, real)
    return lambda: step(real)


_BUILT: dict[tuple[str, str], Callable[[], None]] = {}


def _cases() -> list[Any]:
    cases = []
    for block in range(ROUNDS):
        for family in ("wgan-gp", "began"):
            for candidate, options in CANDIDATES.items():
                if "step" in options and family != "wgan-gp":
                    continue
                cases.append(pytest.param(family, candidate, block, id=f"{family}-{candidate}-block{block}"))
    return cases


@pytest.mark.parametrize("family, candidate, block", _cases())
def test_step_candidate(benchmark, family, candidate, block):
    torch.set_num_threads(1)  # as each of the default suite's two trials trains
    key = (family, candidate)
    if key not in _BUILT:
        _BUILT[key] = _step(family, candidate)
        for _ in range(3):  # warm-up
            _BUILT[key]()
    benchmark.pedantic(_BUILT[key], rounds=STEPS, iterations=1)
