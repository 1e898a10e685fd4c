"""Generators trained elsewhere, opened as samplers: noise in, uint8 N x C x H x W images out.

Four forms, told apart by what the file is, never by unpickling it:

- an exported program (`.pt2`, torch.export): the form torch recommends now;
- TorchScript (`.pt`, `.ts`): still the common one, although torch deprecates torch.jit;
- ONNX (`.onnx`), run by torch-fidelity's wrapper on onnxruntime;
- a state dict of a registered family's generator (`--family F`, any suffix): weights only,
  loaded with torch's weights_only unpickler, so a file that holds code is refused.

The first three take `z_size` noise values per image of torch-fidelity's noise types (normal,
unit, uniform_0_1; "uniform" names uniform_0_1), drawn from a numpy RandomState of the sampling
seed, so the same seed draws the same images in any tool that follows torch-fidelity. Their
output may be uint8 images or floats in `output_range` (-1..1, a tanh, by default).
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchbench.errors import UserError, one_line
from benchbench.results.io import load_torchscript

Z_TYPES = {"normal": "normal", "unit": "unit", "uniform_0_1": "uniform_0_1", "uniform": "uniform_0_1"}
BATCH = 500


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


@dataclass
class LoadedGenerator:
    """An opened generator file: `sample(n, seed)` draws uint8 images from it."""

    path: Path
    form: str  # "exported program", "TorchScript", "ONNX" or "state dict"
    digest: str
    z_size: int | None
    z_type: str | None
    output_range: tuple[float, float]
    model: Any
    family: str | None = None

    def describe(self) -> dict[str, Any]:
        """What a loaded trial records of its source."""
        return {
            "path": str(self.path.resolve()),
            "file": self.path.name,
            "form": self.form,
            "sha256": self.digest,
            "z_size": self.z_size,
            "z_type": self.z_type,
            "output_range": list(self.output_range),
            "family": self.family,
        }

    def sample(self, count: int, seed: int) -> torch.Tensor:
        if self.form == "state dict":
            return self.model(count, seed)
        from torch_fidelity.utils import sample_random

        rng, batches = np.random.RandomState(seed), []
        for start in range(0, count, BATCH):
            noise = sample_random(rng, (min(BATCH, count - start), self.z_size), self.z_type)
            batches.append(self._run(torch.as_tensor(noise), start))
        return torch.cat(batches)

    def _run(self, noise: torch.Tensor, start: int) -> torch.Tensor:
        try:
            with torch.no_grad():
                out = self.model(noise)
        except Exception as error:
            raise UserError(
                f"generator {self.path} failed on noise of shape {tuple(noise.shape)} "
                f"(does --z-size {self.z_size} fit it?): {one_line(error)}"
            ) from None
        out = torch.as_tensor(out.detach() if isinstance(out, torch.Tensor) else np.asarray(out))
        if out.dim() != 4 or out.shape[0] != len(noise) or out.shape[1] not in (1, 3):
            raise UserError(
                f"generator {self.path} must output an image batch N x C x H x W (C 1 or 3), "
                f"got shape {tuple(out.shape)} for {len(noise)} noise vectors"
            )
        if out.dtype == torch.uint8:
            return out
        if not out.dtype.is_floating_point:
            raise UserError(f"generator {self.path} outputs {out.dtype}: give uint8 or floating-point images")
        low, high = self.output_range
        shifted = (out.float() - low).clamp(0, high - low)
        return (shifted * (255.0 / (high - low))).round().to(torch.uint8)


def open_generator(
    path: Path,
    z_size: int | None = None,
    z_type: str = "normal",
    output_range: tuple[float, float] = (-1.0, 1.0),
    family: str | None = None,
    dataset: str | None = None,
    width: float = 1.0,
    g_norm: str = "none",
) -> LoadedGenerator:
    """Open a generator file in the form its content shows; bad files raise UserError in one line."""
    if not path.is_file():
        raise UserError(f"generator file {path} does not exist")
    digest = file_digest(path)
    if family is not None:
        return _state_dict(path, digest, family, dataset, width, g_norm)
    if z_size is None:
        raise UserError(f"generator {path} needs --z-size (its noise size), or --family for a state dict")
    if z_type not in Z_TYPES:
        raise UserError(f"--z-type must be one of {', '.join(Z_TYPES)}, got {z_type!r}")
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        form, model = "ONNX", _onnx(path, z_size, Z_TYPES[z_type])
    elif suffix == ".pt2":
        form, model = "exported program", _exported(path)
    elif suffix in (".pt", ".ts", ".pth"):
        form, model = "TorchScript", _torchscript(path)
    else:
        raise UserError(
            f"generator {path}: unknown form {suffix or '(no suffix)'}; give .pt2 (torch.export), .pt "
            "(TorchScript), .onnx, or a state dict with --family"
        )
    return LoadedGenerator(path, form, digest, z_size, Z_TYPES[z_type], output_range, model)


def _exported(path: Path) -> Any:
    if not zipfile.is_zipfile(path):
        raise UserError(f"{path} is not an exported program (.pt2 files are zip archives from torch.export.save)")
    try:
        return torch.export.load(str(path)).module()
    except Exception as error:
        raise UserError(f"{path} is not a loadable exported program: {one_line(error)}") from None


def _torchscript(path: Path) -> Any:
    if not zipfile.is_zipfile(path):
        raise UserError(
            f"{path} is not TorchScript (not a zip archive); a pickled model is refused, never unpickled: "
            "export it with torch.export or torch.jit, or give its state dict with --family"
        )
    with zipfile.ZipFile(path) as archive:
        if not any("/code/" in name or name.startswith("code/") for name in archive.namelist()):
            raise UserError(
                f"{path} is a torch.save file, not TorchScript: if it is a state dict, give --family "
                "(it is loaded as weights only)"
            )
    try:
        model = load_torchscript(path)
    except Exception as error:
        raise UserError(f"{path} is not loadable TorchScript: {one_line(error)}") from None
    return model.eval()


def _onnx(path: Path, z_size: int, z_type: str) -> Any:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise UserError("ONNX generators need onnxruntime: pip install 'benchbench[onnx]'") from None
    from torch_fidelity import GenerativeModelONNX

    try:
        return GenerativeModelONNX(str(path), z_size, z_type, 0)
    except Exception as error:
        raise UserError(f"{path} is not a loadable ONNX model: {one_line(error)}") from None


def _state_dict(
    path: Path, digest: str, family: str, dataset: str | None, width: float, g_norm: str
) -> LoadedGenerator:
    from benchbench.training.sampling import sample_generator

    if not dataset:
        raise UserError("a state dict (--family) needs --dataset: it sets the network's shape")
    sample_generator(path, family, dataset, 2, width, g_norm)  # refuses a file that does not fit, now

    def draw(count: int, seed: int) -> torch.Tensor:
        return sample_generator(path, family, dataset, count, width, g_norm, seed=seed)

    return LoadedGenerator(path, "state dict", digest, None, None, (-1.0, 1.0), draw, family)
