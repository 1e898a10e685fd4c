"""The one way real data reaches a family's step, for the trainer and for check-family alike."""

from __future__ import annotations

from collections.abc import Callable

import torch

import benchbench.datasets as datasets
import benchbench.training.speed as speed
from benchbench.families import Family
from benchbench.training.trial import Settings


def real_batches(
    dataset: datasets.Dataset,
    stream: datasets.BatchStream,
    family: Family,
    settings: Settings,
    device: torch.device,
    count: Callable[[int], None] = lambda images: None,
) -> Callable[[], torch.Tensor]:
    """What a family's step draws real data through: the next batch, counted, in the family's
    pixel range, on the device, in the settings' memory layout (check-family draws the same way)."""

    def real() -> torch.Tensor:
        batch = stream.next()
        count(len(batch))
        batch = dataset.to_model(batch, family.pixel_range).to(device, non_blocking=True)
        return speed.batch_layout(batch, settings)

    return real
