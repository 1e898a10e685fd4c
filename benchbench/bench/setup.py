"""What every bench measurement starts from: its options, and a family built with a stream of
real batches that counts what it draws."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from benchbench.training import Budget, Settings, Trial, build
from benchbench.training.batches import real_batches


@dataclass
class BenchConfig:
    width: float = 0.25
    batch_size: int = 64
    g_norm: str = "batch"
    warmup: int = 5
    repeats: int = 7
    block: int = 5
    channels_last: bool = False
    bf16: bool = False
    optimizer_impl: str = "default"  # default | foreach | fused (Adam)
    tf32: bool = False
    compile: str | None = None  # None, "default" or "reduce-overhead" (CUDA graphs)

    def step_settings(self) -> Settings:
        """The trainer's own step settings for these options (training/speed.py)."""
        return Settings(
            optimizer_impl=self.optimizer_impl,
            channels_last=self.channels_last,
            tf32=self.tf32,
            autocast="bf16" if self.bf16 else "none",
        )


def setup_trial(family_name: str, dataset: str, device: torch.device, config: BenchConfig, seed: int = 0):
    settings = Settings(width=config.width, batch_size=config.batch_size, g_norm=config.g_norm)
    trial = Trial(family_name, dataset, seed, Budget.parse("1steps"), settings)
    torch.manual_seed(seed)
    data, _, family = build(trial, device)
    stream = data.train_batches(config.batch_size, seed)
    drawn = [0]

    def count(images: int) -> None:
        drawn[0] += images

    return data, family, real_batches(data, stream, family, config.step_settings(), device, count), drawn
