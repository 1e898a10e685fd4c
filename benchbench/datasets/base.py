"""What a dataset gives the rest of the harness: a training stream and fixed reference splits.

Images are kept as uint8 tensors (N x C x H x W), the form torch-fidelity and image files share;
models see them as floats in the pixel range their family declares: [-1, 1] (DCGAN, carpedm20's
BEGAN, the WGAN-GP authors' CIFAR code) or [0, 1] (compare_gan, the BEGAN and WGAN-GP MNIST codes).
2-D points are float32 (N x 2) throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from benchbench.errors import UserError

SPLITS = ("train", "validation", "test")


class BatchStream:
    """Endless minibatches in epoch order: each epoch is a permutation drawn from (seed, epoch).

    Its whole state is two integers, so a checkpoint restores the exact next batch.
    """

    def __init__(self, data: torch.Tensor, batch_size: int, seed: int) -> None:
        if batch_size > len(data):
            batch_size = len(data)
        self.data, self.batch_size, self.seed = data, batch_size, seed
        self.epoch, self.position = 0, 0
        self._order = self._permutation()

    def _permutation(self) -> torch.Tensor:
        rng = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        return torch.randperm(len(self.data), generator=rng)

    def next(self) -> torch.Tensor:
        if self.position + self.batch_size > len(self.data):
            self.epoch, self.position = self.epoch + 1, 0
            self._order = self._permutation()
        index = self._order[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        return self.data[index]

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch, self.position = int(state["epoch"]), int(state["position"])
        self._order = self._permutation()


@dataclass
class Dataset:
    """A dataset with its three splits already in memory.

    kind: "image" (uint8 N x C x H x W) or "points" (float32 N x 2).
    arch: the network family that suits it ("infogan28", "dcgan", "mlp"); a suite may override.
    extractor: the feature extractor its metrics use by default (None: no image metrics).
    modes/mode_std: for mixtures of Gaussians, the centres and spread the toy metrics need.
    """

    name: str
    kind: str
    splits: dict[str, torch.Tensor]
    arch: str
    extractor: str | None = None
    modes: torch.Tensor | None = None
    mode_std: float | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.splits["train"].shape[1:])

    @property
    def source_shape(self) -> tuple[int, ...] | None:
        """The shape of a translation pair's source images (DomainPair); None for one domain."""
        return None

    def train_batches(self, batch_size: int, seed: int) -> BatchStream:
        return BatchStream(self.splits["train"], batch_size, seed)

    def reference(self, split: str, n: int | None = None) -> torch.Tensor:
        """The first n items of a split (all when n is None), in raw form (uint8 or points)."""
        data = self.splits[split]
        return data if n is None else data[:n]

    def to_model(self, raw: torch.Tensor, pixel_range: tuple[float, float] = (-1.0, 1.0)) -> torch.Tensor:
        """Raw data as a model sees it: images as floats spanning `pixel_range`, points as they are."""
        if self.kind != "image":
            return raw.float()
        low, high = pixel_range
        return raw.float() / (255.0 / (high - low)) + low

    def from_model(self, samples: torch.Tensor, pixel_range: tuple[float, float] = (-1.0, 1.0)) -> torch.Tensor:
        """Model outputs back to raw form: uint8 images (clamped to `pixel_range`) or float points."""
        if self.kind != "image":
            return samples.detach().float().cpu()
        low, high = pixel_range
        shifted = (samples.detach().float() - low).clamp(0, high - low)
        return (shifted * (255.0 / (high - low))).round().to(torch.uint8).cpu()


def split_off(data: torch.Tensor, fractions: tuple[float, float], seed: int) -> dict[str, torch.Tensor]:
    """Shuffle with a fixed seed and cut train / validation / test by the given held-out fractions."""
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    data = data[order]
    n_val = max(1, int(len(data) * fractions[0]))
    n_test = max(1, int(len(data) * fractions[1]))
    if len(data) - n_val - n_test < 1:
        raise UserError(f"only {len(data)} items: too few to split into train, validation and test")
    return {
        "validation": data[:n_val],
        "test": data[n_val : n_val + n_test],
        "train": data[n_val + n_test :],
    }
