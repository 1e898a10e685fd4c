"""Sample grids: 8x8 images, or a scatter of generated against real points."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch
from torchvision.utils import make_grid

from benchbench.results.io import atomic_write_bytes


def save_sample_grid(path: Path, family: Any, dataset: Any, n: int = 64) -> None:
    samples = family.sample(n if dataset.kind == "image" else 2000, torch.Generator().manual_seed(3))
    buffer = io.BytesIO()
    if dataset.kind == "image":
        from PIL import Image

        grid = make_grid(dataset.from_model(samples, family.pixel_range), nrow=8, padding=2, pad_value=255)
        array = grid.permute(1, 2, 0).numpy()
        Image.fromarray(array.squeeze(-1) if array.shape[-1] == 1 else array).save(buffer, format="PNG")
    else:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        real = dataset.reference("test", 2000)
        figure, axes = plt.subplots(figsize=(4, 4), dpi=100)
        axes.scatter(real[:, 0], real[:, 1], s=2, c="tab:orange", label="real")
        axes.scatter(samples[:, 0], samples[:, 1], s=2, c="tab:green", label="generated")
        axes.set_aspect("equal")
        axes.legend(loc="upper right", fontsize=7)
        figure.savefig(buffer, format="png", bbox_inches="tight")
        plt.close(figure)
    atomic_write_bytes(path, buffer.getvalue())
