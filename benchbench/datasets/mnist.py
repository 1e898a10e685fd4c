"""MNIST from the canonical IDX files shipped in the package (CC BY-SA 3.0; see mnist_files/README.md).

Splits follow Lucic et al. 2018 ("Are GANs Created Equal?"): metrics against the 10,000 test
images. The last 10,000 training images are held out as a validation split, so that a best
checkpoint can be chosen without looking at the test split.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from benchbench.datasets.base import Dataset
from benchbench.errors import UserError

FILES_DIR = Path(__file__).parent / "mnist_files"

# md5 of the uncompressed files, as published with the original download.
MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
N_VALIDATION = 10_000


def read_idx(name: str, directory: Path = FILES_DIR) -> np.ndarray:
    """Read one gzipped IDX file and check the md5 of its uncompressed bytes."""
    path = directory / f"{name}.gz"
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise UserError(f"MNIST file {path} is missing or unreadable: {error}") from None
    if hashlib.md5(raw).hexdigest() != MD5[name]:
        raise UserError(f"MNIST file {path} is corrupt: md5 of its content does not match")
    n_dims = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(dims)


@lru_cache(maxsize=1)
def load_arrays() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """(images N x 1 x 28 x 28 uint8, labels N int64) for train, validation and test."""
    train_x = torch.from_numpy(read_idx("train-images-idx3-ubyte").copy()).unsqueeze(1)
    train_y = torch.from_numpy(read_idx("train-labels-idx1-ubyte").astype(np.int64))
    test_x = torch.from_numpy(read_idx("t10k-images-idx3-ubyte").copy()).unsqueeze(1)
    test_y = torch.from_numpy(read_idx("t10k-labels-idx1-ubyte").astype(np.int64))
    cut = len(train_x) - N_VALIDATION
    return {
        "train": (train_x[:cut], train_y[:cut]),
        "validation": (train_x[cut:], train_y[cut:]),
        "test": (test_x, test_y),
    }


def mnist() -> Dataset:
    arrays = load_arrays()
    return Dataset(
        name="mnist",
        kind="image",
        splits={split: images for split, (images, _) in arrays.items()},
        arch="infogan28",
        extractor="mnist-classifier",
    )
