"""Training logs summed where they are made: a step's logged values stay on the device, and the
trainer reads the sums at read points (every step on a CPU, every `CUDA_READ_EVERY` steps on a GPU,
and at every evaluation), so a step never waits for the GPU to report a loss."""

from __future__ import annotations

import math
from typing import Any

import torch

CUDA_READ_EVERY = 50


class LogSums:
    def __init__(self) -> None:
        self.sums: dict[str, Any] = {}
        self.count = 0

    def add(self, logs: dict[str, Any]) -> None:
        """Sum in float64, as Python floats would: reading every step gives the same numbers."""
        for key, value in logs.items():
            value = value.detach().double() if isinstance(value, torch.Tensor) else float(value)
            self.sums[key] = self.sums[key] + value if key in self.sums else value
        self.count += 1

    def read(self) -> tuple[dict[str, float], int, bool]:
        """(sums as host numbers, steps summed, all finite), and start again. One host sync."""
        sums = {key: float(value) for key, value in self.sums.items()}
        count, self.sums, self.count = self.count, {}, 0
        return sums, count, all(math.isfinite(v) for v in sums.values())
