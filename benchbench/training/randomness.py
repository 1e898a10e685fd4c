"""Side computations (FLOP counting, cost estimates, evaluation) must leave every random stream
as they found them: a trial's results may not depend on what was counted, cached or evaluated
on the way, and a resumed trial must draw what an uninterrupted one draws."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import numpy as np
import torch


@contextlib.contextmanager
def random_state_kept() -> Iterator[None]:
    """Torch's CPU stream and every visible CUDA device's, numpy's and Python's global streams
    are restored on leaving, whatever ran inside."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    cuda_devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    try:
        with torch.random.fork_rng(devices=cuda_devices):
            yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
