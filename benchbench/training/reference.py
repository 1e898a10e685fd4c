"""A speed reference: a fixed workload timed in the trial's own process, between training steps.

Images per second alone says as much about the machine's other load as about the code: an
unchanged rerun beside one busy process read 35-40% slower on 2 cores. The trainer therefore
times, every `every_seconds` of training, a short block of a workload that never changes (a
three-layer MLP's forward and backward pass and an SGD update on a fixed batch, on the trial's
device and threads). A neighbour that takes CPU time slows both alike, so the ratio
`images_per_second / reference iterations per second` (the trial's relative speed) stays put,
while a slower training step moves it. Reference time is neither training nor evaluation time
(`counters.reference_seconds`); with the defaults it costs about 1% of training (12 ms a second on one CPU core).

The workload uses its own generator and touches no global random state: the trial's results
are the same with or without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from benchbench.training.budget import Counters

WORKLOAD = "mlp 3 x 256, batch 64, forward + backward + SGD"
BLOCK_ITERATIONS = 12


class SpeedReference:
    def __init__(
        self,
        device: torch.device,
        clock: Callable[[], float],
        every_seconds: float = 1.0,
        block_iterations: int = BLOCK_ITERATIONS,
    ) -> None:
        self.device, self.clock = device, clock
        self.every_seconds, self.block_iterations = every_seconds, block_iterations
        self.next_at = 0.0  # training seconds at which the next block is due (0: before the first step)
        generator = torch.Generator().manual_seed(0)
        sizes = (256, 256, 256, 256)
        self.weights = [
            (torch.randn(a, b, generator=generator) / a**0.5).to(device).requires_grad_(True)
            for a, b in zip(sizes, sizes[1:])
        ]
        self.batch = torch.randn(64, sizes[0], generator=generator).to(device)
        self._iterate()  # first use (allocation, kernel selection) is not timed

    def _iterate(self) -> None:
        x = self.batch
        for weight in self.weights:
            x = torch.relu(x @ weight)
        loss = x.square().mean()
        grads = torch.autograd.grad(loss, self.weights)
        with torch.no_grad():
            for weight, grad in zip(self.weights, grads):
                weight.sub_(1e-6 * grad)  # tiny steps: the workload stays the same workload

    def maybe_time(self, counters: Counters) -> None:
        """Time one block if it is due, adding its iterations and seconds to the counters."""
        if counters.train_seconds < self.next_at:
            return
        self.next_at = counters.train_seconds + self.every_seconds
        self._synchronize()
        started = self.clock()
        for _ in range(self.block_iterations):
            self._iterate()
        self._synchronize()
        counters.reference_seconds += self.clock() - started
        counters.reference_iterations += self.block_iterations

    def _synchronize(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)


def relative_speed(counters: Counters, images_per_second: float) -> dict[str, Any]:
    """The summary's fields: the reference rate and images/s relative to it (None if untimed)."""
    if counters.reference_iterations == 0 or counters.reference_seconds <= 0:
        return {"speed_reference": None, "relative_speed": None}
    rate = counters.reference_iterations / counters.reference_seconds
    return {
        "speed_reference": {
            "workload": WORKLOAD,
            "iterations_per_second": rate,
            "iterations": counters.reference_iterations,
            "seconds": counters.reference_seconds,
        },
        "relative_speed": images_per_second / rate,
    }
