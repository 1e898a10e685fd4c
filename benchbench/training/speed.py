"""Cheaper training steps, as named settings (training/trial.py Settings): Adam's implementation
(`optimizer_impl`: default, foreach or fused), the memory layout of image batches and networks
(`channels_last`), TF32 matrix products on CUDA (`tf32`) and bf16 autocast (`autocast`). Each
changes the numbers a trial produces, so each is part of the trial's configuration (its hash,
its results, what the regression gate compares); the defaults keep full float32 precision, so
that results stay comparable across machines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from benchbench.errors import UserError
from benchbench.step_settings import DEFAULTS

OPTIMIZER_IMPLS = ("default", "foreach", "fused")
AUTOCAST = ("none", "bf16")


def step_settings(settings: Any) -> dict[str, Any]:
    return {key: getattr(settings, key) for key in DEFAULTS}


def check(settings: Any) -> list[str]:
    problems = []
    if settings.optimizer_impl not in OPTIMIZER_IMPLS:
        problems.append(f"optimizer_impl must be one of {', '.join(OPTIMIZER_IMPLS)}")
    if settings.autocast not in AUTOCAST:
        problems.append(f"autocast must be one of {', '.join(AUTOCAST)}")
    if not isinstance(settings.channels_last, bool) or not isinstance(settings.tf32, bool):
        problems.append("channels_last and tf32 must be true or false")
    return problems


def apply(family: Any, settings: Any, device: torch.device, image_data: bool) -> Callable[..., Any]:
    """Set the family's optimisers and networks up as the settings ask; returns its step, wrapped
    in autocast when asked."""
    impl = settings.optimizer_impl
    if impl != "default":
        for optimiser in family.optimisers().values():
            if not isinstance(optimiser, torch.optim.Adam):
                raise UserError(
                    f"optimizer_impl = {impl!r} applies to Adam; {family.name} uses {type(optimiser).__name__}"
                )
            for group in optimiser.param_groups:
                group["foreach"], group["fused"] = impl == "foreach", impl == "fused"
    if settings.channels_last and image_data:
        for module in family.modules().values():
            module.to(memory_format=torch.channels_last)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = settings.tf32
        torch.backends.cudnn.allow_tf32 = settings.tf32
    if settings.autocast == "bf16":

        def step(real: Callable[[], torch.Tensor]) -> Any:
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
                return family.train_step(real)

        return step
    return family.train_step


def native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (AVX512-BF16 or AMX), as oneDNN sees it."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a build without oneDNN: it cannot tell
        return True


def notes(settings: Any, device: torch.device) -> list[str]:
    """What a user should know before these settings run on this device, one line each."""
    if settings.autocast == "bf16" and device.type == "cpu" and not native_bf16():
        return ["bf16 autocast on this CPU is emulated (no AVX512-BF16 or AMX): its steps are slower than float32's"]
    return []


def batch_layout(batch: torch.Tensor, settings: Any) -> torch.Tensor:
    if settings.channels_last and batch.dim() == 4:
        return batch.contiguous(memory_format=torch.channels_last)
    return batch


__all__ = ["apply", "batch_layout", "check", "native_bf16", "notes", "step_settings"]
