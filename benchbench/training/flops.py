"""FLOPs of one training iteration.

Counted by PyTorch's FlopCounterMode where it can run. It cannot run through
`autograd.grad(..., create_graph=True)`, which WGAN-GP's penalty needs; such a family states an
analytic count in `analytic_flops` from the forward FLOPs of its networks, using the usual rule
that a backward pass costs twice its forward pass.
"""

from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode

from benchbench.families import Family
from benchbench.training.randomness import random_state_kept


def forward_flops_per_sample(family: Family, real: torch.Tensor) -> dict[str, float]:
    """Forward FLOPs per sample of each network: the generator on latents, the others on data."""
    out = {}
    batch = real.shape[0]
    with torch.no_grad():
        for name, module in family.modules().items():
            example = family.latent(batch) if name.startswith("generator") else real
            with FlopCounterMode(display=False) as counter:
                module(example)
            out[name] = counter.get_total_flops() / batch
    return out


def step_flops(family: Family, real: torch.Tensor) -> tuple[float, str]:
    """(FLOPs of one train_step on batches like `real`, "counted" or "analytic"). Runs one step
    on `family` (pass a copy) and leaves every random stream as it found it."""
    with random_state_kept(real.device):
        return _step_flops(family, real)


def _step_flops(family: Family, real: torch.Tensor) -> tuple[float, str]:
    try:
        with FlopCounterMode(display=False) as counter:
            family.train_step(lambda: real)
        return float(counter.get_total_flops()), "counted"
    except RuntimeError:
        per_sample = forward_flops_per_sample(family, real)
        analytic = family.analytic_flops(per_sample, real.shape[0])
        if analytic is None:
            return float("nan"), "unavailable"
        return analytic, "analytic"
