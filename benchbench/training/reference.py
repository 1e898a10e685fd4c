"""A speed reference: a fixed workload timed in the trial's own process, between training steps.

Images per second alone says as much about the machine's other load as about the code: an
unchanged rerun beside one busy process read 35-40% slower on 2 cores. Two things make the
trial's relative speed robust to that:

- On a CPU, steps and reference are timed in the process's CPU time (time.process_time), which
  does not count the time a neighbour holds the core: measured with two trials and one busy
  process on 2 cores, CPU-time steps/s moved 1-2% where wall-clock steps/s fell 35%.
- Every `every_seconds` of training the trainer times a short block of a workload that never
  changes (a three-layer MLP's forward and backward pass and an SGD update on a fixed batch, on
  the trial's device and threads). What remains of a neighbour's effect (shared caches, memory
  bandwidth, clock speed) and the machine's own speed act on both, so the ratio
  `images per training second / reference iterations per second` stays put while a slower
  training step moves it. (Timed by wall clock instead, the ratio moved -5% and +5% in the same
  measurement: a block that follows a long step is preempted more often than the average.)

On a GPU both are timed by wall clock, after synchronising. Reference time is neither training
nor evaluation time (`counters.reference_seconds`); with the defaults it costs about 1% of
training (12 ms a second on one CPU core).

The workload uses its own generator and touches no global random state: the trial's results
are the same with or without it.
"""

from __future__ import annotations

import time
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
        self.device, self.wall = device, clock
        # what steps and blocks are timed by: CPU time on a CPU, else the trainer's (wall) clock
        self.clock = time.process_time if device.type == "cpu" else clock
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
        started, wall = self.clock(), self.wall()
        for _ in range(self.block_iterations):
            self._iterate()
        self._synchronize()
        counters.reference_seconds += self.clock() - started
        counters.reference_wall_seconds += self.wall() - wall
        counters.reference_iterations += self.block_iterations

    def count_step(self, counters: Counters, started: float) -> None:
        """Add a step's CPU time (`started`: self.clock() before the step); on a GPU the trainer's
        training seconds are the step's clock, read without a synchronisation per step."""
        if self.device.type == "cpu":
            counters.train_clock_seconds += self.clock() - started

    def _synchronize(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)


def relative_speed(counters: Counters, device: torch.device) -> dict[str, Any]:
    """The summary's fields: the reference rate and the training's images per second relative to
    it, both on the same clock (None if either is untimed); and the same ratio with both timed by
    the wall clock, which sees what CPU time cannot (a step that sleeps, waits on I/O or runs on
    fewer threads) at the price of a neighbour's noise."""
    training = counters.train_clock_seconds if device.type == "cpu" else counters.train_seconds
    if counters.reference_iterations == 0 or counters.reference_seconds <= 0 or training <= 0:
        return {"speed_reference": None, "relative_speed": None, "wall_relative_speed": None}
    rate = counters.reference_iterations / counters.reference_seconds
    wall_rate = (
        counters.reference_iterations / counters.reference_wall_seconds if counters.reference_wall_seconds > 0 else 0
    )
    wall = (
        counters.images / counters.train_seconds / wall_rate if wall_rate > 0 and counters.train_seconds > 0 else None
    )
    return {
        "speed_reference": {
            "workload": WORKLOAD,
            "clock": "process cpu time" if device.type == "cpu" else "wall clock",
            "iterations_per_second": rate,
            "iterations": counters.reference_iterations,
            "seconds": counters.reference_seconds,
            "training_seconds": training,
        },
        "relative_speed": counters.images / training / rate,
        "wall_relative_speed": wall,
    }
