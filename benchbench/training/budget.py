"""Budgets that bind every family alike, and the counters they are read from.

Every counter is recorded at every evaluation point, so a trial run under one budget kind can be
read under another. kimg counts real images drawn for the discriminator: WGAN-GP's five critic
batches per generator step are paid for. Seconds are training seconds only: evaluation,
checkpointing and sample grids are timed separately and never charged to the budget.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

from benchbench.errors import UserError

UNITS = {
    "steps": "steps",
    "step": "steps",
    "s": "seconds",
    "sec": "seconds",
    "seconds": "seconds",
    "min": "seconds",
    "kimg": "kimg",
    "flops": "flops",
}
_PATTERN = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]+)\s*$", re.IGNORECASE)


@dataclass
class Counters:
    steps: int = 0
    images: int = 0  # real images shown to the discriminator
    train_seconds: float = 0.0
    eval_seconds: float = 0.0  # evaluations along the budget, final scoring and checkpoints
    final_seconds: float = 0.0  # of which the final scoring on the test split
    setup_seconds: float = 0.0  # building the trial: data, networks, evaluator, FLOP count, resume
    loop_seconds: float = 0.0  # the training loop's wall time, evaluations excluded
    flops: float = 0.0
    # the speed reference (training/reference.py): its blocks, and training on the same clock
    reference_seconds: float = 0.0  # CPU time on a CPU, wall time on a GPU
    reference_wall_seconds: float = 0.0
    reference_iterations: int = 0
    train_clock_seconds: float = 0.0  # training steps' CPU time (on a CPU)

    @property
    def kimg(self) -> float:
        return self.images / 1000.0

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "kimg": self.kimg}


@dataclass(frozen=True)
class Budget:
    kind: str  # steps | seconds | kimg | flops
    value: float

    @classmethod
    def parse(cls, text: str) -> Budget:
        """'2000steps', '120s', '2min', '50kimg' or '1e12flops'."""
        match = _PATTERN.match(str(text))
        if not match or match.group(2).lower() not in UNITS:
            raise UserError(f"budget {text!r} is not understood: use e.g. 2000steps, 120s, 2min, 50kimg or 1e12flops")
        number, unit = float(match.group(1)), match.group(2).lower()
        if unit == "min":
            number *= 60
        budget = cls(UNITS[unit], number)
        if not math.isfinite(number):  # '1e999steps' reads as infinity
            raise UserError(f"budget {text!r} is too large: it must be a finite number")
        if number <= 0:
            raise UserError(f"budget {text!r} must be positive")
        if budget.kind == "steps" and number != int(number):
            raise UserError(f"budget {text!r}: steps must be a whole number")
        return budget

    def used(self, counters: Counters) -> float:
        return {
            "steps": counters.steps,
            "seconds": counters.train_seconds,
            "kimg": counters.kimg,
            "flops": counters.flops,
        }[self.kind]

    def progress(self, counters: Counters) -> float:
        return min(1.0, self.used(counters) / self.value)

    def spent(self, counters: Counters) -> bool:
        return self.used(counters) >= self.value

    def __str__(self) -> str:
        value: float | str = int(self.value) if self.value == int(self.value) else self.value
        if self.value >= 1e15:  # a short name for an absurd number (it names a directory)
            value = f"{self.value:.6g}"
        if self.kind == "flops":
            return f"{self.value:g}flops"
        return {"steps": f"{value}steps", "seconds": f"{value}s", "kimg": f"{value}kimg"}[self.kind]
