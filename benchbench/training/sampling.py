"""Samples from a finished or interrupted trial's checkpoint (weights only, never pickled code)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchbench.errors import UserError, one_line
from benchbench.results import load_tensors, read_json
from benchbench.training.budget import Budget
from benchbench.training.trainer import build
from benchbench.training.trial import Settings, Trial


def trial_from_config(config: dict) -> Trial:
    try:
        return Trial(
            family=config["family"],
            dataset=config["dataset"],
            seed=int(config["seed"]),
            budget=Budget.parse(config["budget"]["text"]),
            settings=Settings(**config["settings"]),
            family_config=config["family_config"],
            dataset_options=config["dataset_options"],
            setting=int(config.get("setting", 0)),
            variant=str(config.get("variant", "")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise UserError(f"trial config is malformed: {error}") from None


def trial_generator(trial_dir: Path, best: bool = False) -> tuple[Any, Any]:
    """(dataset, family) of a trial directory, its generator loaded from the final checkpoint (or
    the best-on-validation one): weights only, never pickled code."""
    config_path, checkpoint = trial_dir / "config.json", trial_dir / "checkpoint.pt"
    if not config_path.is_file() or not checkpoint.is_file():
        raise UserError(f"{trial_dir} is not a trial directory with a checkpoint (config.json, checkpoint.pt)")
    try:
        config = read_json(config_path)
    except ValueError:
        raise UserError(f"{config_path} is not valid JSON") from None
    trial = trial_from_config(config)
    summary_path = trial_dir / "summary.json"
    if summary_path.is_file():  # the family's settings as resolved when it trained, whatever today's defaults
        try:
            resolved = read_json(summary_path).get("family_config")
        except ValueError:
            raise UserError(f"{summary_path} is not valid JSON") from None
        if isinstance(resolved, dict):
            trial.family_config = resolved
    dataset, _, family = build(trial, torch.device("cpu"))
    payload = load_tensors(checkpoint)
    try:
        state = payload["state"]["best_generator"] if best else payload["family"]["modules"]["generator"]
        if state is None:
            raise UserError(f"{trial_dir} has no best-on-validation generator (no evaluation finished)")
        family.generator.load_state_dict(state)
    except UserError:
        raise
    except Exception as error:
        raise UserError(f"{checkpoint} is not a checkpoint of this trial ({one_line(error)})") from None
    return dataset, family


def sample_chunks(dataset: Any, family: Any, count: int, seed: int = 0, chunk: int = 5000) -> Iterator[np.ndarray]:
    """`count` samples in raw form (uint8 images or float32 points), `chunk` at a time, from one
    random stream: the same seed gives the same samples whatever the chunk size."""
    rng = torch.Generator().manual_seed(seed)
    for start in range(0, count, chunk):
        n = min(chunk, count - start)
        yield dataset.from_model(family.sample(n, rng), family.pixel_range).numpy()


def sample_trial(trial_dir: Path, count: int, best: bool = False, seed: int = 0) -> tuple[str, np.ndarray]:
    """('images', uint8 N x C x H x W) or ('points', float32 N x 2) from the trial's generator."""
    dataset, family = trial_generator(trial_dir, best)
    key = "images" if dataset.kind == "image" else "points"
    return key, np.concatenate(list(sample_chunks(dataset, family, count, seed)))


def sample_generator(
    path: Path, family: str, dataset: str, count: int, width: float = 1.0, g_norm: str = "none", seed: int = 0
) -> torch.Tensor:
    """uint8 images from a bare generator state dict of `family`, built for `dataset`."""
    if not path.is_file():
        raise UserError(f"generator file {path} does not exist")
    trial = Trial(family, dataset, 0, Budget.parse("1steps"), Settings(width=width, g_norm=g_norm))
    data, _, built = build(trial, torch.device("cpu"))
    state = load_tensors(path)
    try:
        built.generator.load_state_dict(state.get("generator", state) if isinstance(state, dict) else state)
    except Exception:
        raise UserError(
            f"generator {path} does not fit a {family} generator for {dataset} at width {width}: "
            "its tensors' names or shapes differ (check --width, --g-norm, --family)"
        ) from None
    return data.from_model(built.sample(count, torch.Generator().manual_seed(seed)), built.pixel_range)


def sample_onnx(
    path: Path, count: int, z_size: int, z_type: str = "uniform_0_1", seed: int = 0, batch_size: int = 500
) -> torch.Tensor:
    """uint8 images from an ONNX generator, run by torch-fidelity's wrapper (onnxruntime). It
    must map a batch of z_size noise vectors of torch-fidelity's `z_type` to uint8 N x C x H x W."""
    if not path.is_file():
        raise UserError(f"generator file {path} does not exist")
    if z_type not in ("normal", "unit", "uniform_0_1"):
        raise UserError(f"--z-type must be normal, unit or uniform_0_1 (torch-fidelity's noise types), got {z_type!r}")
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise UserError("ONNX generators need onnxruntime: pip install 'benchbench[onnx]'") from None
    from torch_fidelity import GenerativeModelONNX
    from torch_fidelity.utils import sample_random

    try:
        model = GenerativeModelONNX(str(path), z_size, z_type, 0)
        rng = np.random.RandomState(seed)
        batches = [
            model(sample_random(rng, (min(batch_size, count - i), z_size), z_type)) for i in range(0, count, batch_size)
        ]
    except Exception as error:
        raise UserError(f"ONNX generator {path} failed: {one_line(error)}") from None
    images = torch.cat([torch.as_tensor(b) for b in batches])
    if images.dtype != torch.uint8 or images.dim() != 4:
        raise UserError(
            f"ONNX generator {path} must output uint8 N x C x H x W, got {images.dtype} {tuple(images.shape)}"
        )
    return images
