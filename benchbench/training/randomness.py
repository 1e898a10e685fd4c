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
def random_state_kept(device: torch.device | str | None = None) -> Iterator[None]:
    """Torch's CPU stream and the trial's CUDA device's (`device`; the current one if None),
    numpy's and Python's global streams are restored on leaving, whatever ran inside. Only the
    trial's device is forked: forking every visible GPU at each evaluation point would touch
    (and initialise a context on) devices other trials are using."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    cuda_devices = _cuda_devices(device)
    try:
        with torch.random.fork_rng(devices=cuda_devices):
            yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def _cuda_devices(device: torch.device | str | None) -> list[int]:
    if device is not None:
        found = torch.device(device)
        if found.type != "cuda":
            return []
        return [found.index if found.index is not None else torch.cuda.current_device()]
    return [torch.cuda.current_device()] if torch.cuda.is_available() else []
