"""Reference features cached on disk, keyed by content rather than by name.

The key digests the images themselves (so another subset, order or size is another entry), the
extractor's name and weights hash, its input resizing, the sample count and the numerics the
features were computed with (the device type, and on CUDA whether TF32 matrix products were
allowed: features computed under TF32 are not float32 features). A cached file is
read with weights_only and checked against the key it was written under; anything else is
recomputed. torch-fidelity's own cache is keyed by a name only (a stale 5,000-image cache was
once reused for 500 images), so we keep it off and use this one.
"""

from __future__ import annotations

import hashlib
import os
import weakref
from pathlib import Path
from typing import Any

import torch

from benchbench.results.io import load_tensors, save_tensors

CACHE_VERSION = 2  # 2: the numerics are part of the key


def memo_by_tensor(memo: dict[int, Any], tensor: torch.Tensor, compute: Any) -> Any:
    """`compute()` once per live tensor: the entry is keyed by the tensor's identity and dropped
    when the tensor is freed (so an id is never reused while its entry lives, and no tensor is
    kept alive for it). Reference features are one tensor per reference content (cached by it)."""
    if id(tensor) not in memo:
        memo[id(tensor)] = compute()
        weakref.finalize(tensor, memo.pop, id(tensor), None)
    return memo[id(tensor)]


def cache_home() -> Path:
    """Where benchbench keeps what it can recompute (BENCHBENCH_CACHE moves it)."""
    return Path(os.environ.get("BENCHBENCH_CACHE", Path.home() / ".cache" / "benchbench"))


def cache_root() -> Path:
    return cache_home() / "features"


def numerics(device: torch.device) -> str:
    """How features computed on `device` now are computed: the device type, and on CUDA the TF32
    switches of matrix products and cuDNN convolutions (a trial's tf32 setting sets both)."""
    if device.type != "cuda":
        return device.type
    return f"cuda|tf32={torch.backends.cuda.matmul.allow_tf32}|cudnn-tf32={torch.backends.cudnn.allow_tf32}"


def content_key(images: torch.Tensor, extractor: str, weights_hash: str, resize: str, computed: str = "cpu") -> str:
    digest = hashlib.sha256()
    digest.update(f"{CACHE_VERSION}|{extractor}|{weights_hash}|{resize}|{computed}|{tuple(images.shape)}|".encode())
    digest.update(images.contiguous().numpy().tobytes())
    return digest.hexdigest()


def cached_features(scorer: Any, images: torch.Tensor) -> dict[str, torch.Tensor]:
    """scorer.features(images), from the cache when an entry for exactly this content exists."""
    key = content_key(images, scorer.extractor, scorer.weights_hash, scorer.info.resize_mode, numerics(scorer.device))
    path = cache_root() / f"{scorer.extractor}-{key[:32]}.pt"
    if path.is_file():
        try:
            entry = load_tensors(path)
            if entry.get("key") == key and entry.get("n") == len(images):
                return entry["features"]
        except Exception:  # unreadable or foreign: recompute and overwrite
            pass
    features = scorer.features(images)
    try:
        save_tensors(path, {"key": key, "n": len(images), "features": features})
    except OSError:
        pass  # a read-only cache only costs time
    return features
