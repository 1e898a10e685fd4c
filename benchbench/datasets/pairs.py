"""Two image domains for unpaired translation (CycleGAN): a source domain translated into a target.

The target domain is the dataset's own splits, so FID and the other image metrics compare
translated images with real target images, exactly as for a generator. The source domain sits
beside it (`source`), with digit labels where the domains have them, for label preservation.
Training batches hold a source and a target batch side by side on the channel axis (drawn
independently: the pairing is random, as unpaired translation requires), so they travel
through the trainer, its image counter and its checkpoints like any other batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from benchbench.datasets.base import BatchStream, Dataset
from benchbench.datasets.images import IMAGE_SUFFIXES, _arch_for, _check_resolution, _load_files
from benchbench.errors import UserError


class PairStream:
    """A source and a target stream of one batch size, concatenated on the channel axis."""

    def __init__(self, source: torch.Tensor, target: torch.Tensor, batch_size: int, seed: int) -> None:
        batch_size = min(batch_size, len(source), len(target))
        self.source = BatchStream(source, batch_size, seed)
        self.target = BatchStream(target, batch_size, seed + 7919)  # another order than the source's

    def next(self) -> torch.Tensor:
        return torch.cat([self.source.next(), self.target.next()], dim=1)

    def state_dict(self) -> dict[str, dict[str, int]]:
        return {"source": self.source.state_dict(), "target": self.target.state_dict()}

    def load_state_dict(self, state: dict[str, dict[str, int]]) -> None:
        self.source.load_state_dict(state["source"])
        self.target.load_state_dict(state["target"])


@dataclass
class DomainPair(Dataset):
    """A target-domain dataset with a source domain to translate from (same height and width)."""

    source_splits: dict[str, torch.Tensor] = field(default_factory=dict)
    source_labels: dict[str, torch.Tensor] | None = None
    label_classifier: str | None = None  # an extractor with logits that reads target-domain labels

    @property
    def source_shape(self) -> tuple[int, ...]:
        return tuple(self.source_splits["train"].shape[1:])

    def train_batches(self, batch_size: int, seed: int) -> PairStream:  # type: ignore[override]
        return PairStream(self.source_splits["train"], self.splits["train"], batch_size, seed)

    def source(self, split: str, n: int | None = None) -> torch.Tensor:
        data = self.source_splits[split]
        return data if n is None else data[:n]


def sklearn_digits_28(data_seed: int = 0) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """scikit-learn's bundled 8 x 8 digits (1,797 writers' digits, UCI; values 0-16), scaled to
    uint8 and upsampled bilinearly to 28 x 28, as CyCADA upsamples USPS's 16 x 16 digits to
    MNIST's size; split 70/15/15 with a fixed shuffle. (images N x 1 x 28 x 28, labels)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)
    images = F.interpolate(images, size=(28, 28), mode="bilinear", align_corners=False)
    images = (images.clamp(0, 1) * 255).round().to(torch.uint8)
    labels = torch.from_numpy(digits.target.astype(np.int64))
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(data_seed))
    images, labels = images[order], labels[order]
    n = len(images)
    cuts = {"validation": (0, int(0.15 * n)), "test": (int(0.15 * n), int(0.3 * n)), "train": (int(0.3 * n), n)}
    return {split: (images[a:b], labels[a:b]) for split, (a, b) in cuts.items()}


def digits_to_mnist(data_seed: int = 0) -> DomainPair:
    """Source: scikit-learn's digits at 28 x 28; target: MNIST. Labels on both sides, so the
    MNIST classifier both scores FID in the target domain and reads the translated digits."""
    from benchbench.datasets.mnist import mnist

    target = mnist()
    digits = sklearn_digits_28(data_seed)
    return DomainPair(
        name="digits-to-mnist",
        kind="image",
        splits=target.splits,
        arch="infogan28",
        extractor="mnist-classifier",
        source_splits={s: x for s, (x, _) in digits.items()},
        source_labels={s: y for s, (_, y) in digits.items()},
        label_classifier="mnist-classifier",
    )


def folder_pair(path: str, resolution: int = 32, channels: int = 3, data_seed: int = 0) -> DomainPair:
    """CycleGAN's layout: `trainA/`, `trainB/`, `testA/`, `testB/` (A is translated into B).
    Validation: `valA/`/`valB/` when present, else 10% held out of each train folder."""
    _check_resolution(resolution)
    root = Path(path).expanduser()
    if not root.is_dir():
        raise UserError(f"domain pair folder {root} does not exist")
    missing = [d for d in ("trainA", "trainB", "testA", "testB") if not (root / d).is_dir()]
    if missing:
        raise UserError(
            f"domain pair folder {root} lacks {', '.join(missing)}/ (expected trainA, trainB, testA, testB)"
        )

    def load(folder: str) -> torch.Tensor:
        paths = sorted(p for p in (root / folder).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if len(paths) < 2:
            raise UserError(f"{root / folder} holds {len(paths)} images; at least 2 are needed")
        return _load_files(paths, resolution, channels)

    domains = {}
    for side in ("A", "B"):
        train = load(f"train{side}")
        if (root / f"val{side}").is_dir():
            splits = {"train": train, "validation": load(f"val{side}")}
        else:  # a fixed shuffle holds 10% of train out for validation
            train = train[torch.randperm(len(train), generator=torch.Generator().manual_seed(data_seed))]
            held = max(1, len(train) // 10)
            splits = {"train": train[held:], "validation": train[:held]}
        domains[side] = splits | {"test": load(f"test{side}")}
    return DomainPair(
        name=f"pair:{root}",
        kind="image",
        splits=domains["B"],
        arch=_arch_for(resolution),
        extractor="inception-v3-compat",
        source_splits=domains["A"],
    )
