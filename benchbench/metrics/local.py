"""Feature networks from a file on disk, for feature spaces beyond the shipped ones (DINOv2,
CLIP, or a domain network of the user's): a TorchScript module (`torch.jit.trace` or
`torch.jit.script` of the network, saved with `.save`), checked against its sha256 before it
loads, never downloaded. torch-fidelity's own DINOv2 and CLIP extractors fetch code and weights
from hubs at run time, which an offline machine cannot; a traced copy of the same network runs
anywhere. FID, KID, precision/recall and density/coverage use its output; it gives no logits,
so no Inception Score.

    import benchbench
    DINOV2 = benchbench.local_extractor("/models/dinov2_vits14.pt", sha256="9f2c...", resolution=224)
    # in a package's pyproject.toml: [project.entry-points."benchbench.extractors"]
    #                                dinov2-vits14 = "my_pkg.features:DINOV2"
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch_fidelity.feature_extractor_base import FeatureExtractorBase

from benchbench.errors import UserError
from benchbench.metrics.extractors import ExtractorInfo
from benchbench.results.io import load_torchscript


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_checked(path: Path, sha256: str) -> torch.jit.ScriptModule:
    """The TorchScript module at `path`, refused unless its sha256 is the one given."""
    if not path.is_file():
        raise UserError(f"feature network {path} does not exist")
    found = file_sha256(path)
    if found != sha256.lower():
        raise UserError(
            f"feature network {path} has sha256 {found[:16]}..., not the {sha256[:16]}... it was declared with"
        )
    try:
        return load_torchscript(path).eval()
    except RuntimeError as error:
        raise UserError(f"feature network {path} is not a TorchScript file ({str(error).splitlines()[0]})") from None


def local_extractor(
    path: str | Path,
    sha256: str,
    *,
    resolution: int = 224,
    channels: int = 3,
    mean: Sequence[float] = (0.485, 0.456, 0.406),
    std: Sequence[float] = (0.229, 0.224, 0.225),
    description: str = "",
) -> ExtractorInfo:
    """An extractor for a TorchScript network on disk that maps N x C x R x R floats (normalised
    by mean and std, ImageNet's by default) to N x D features. Images are resized to R x R
    (bilinear, antialiased) and grey ones repeated to `channels`."""
    path = Path(path).expanduser()
    shape = (1, channels, 1, 1)
    mean_t, std_t = (
        torch.tensor(mean, dtype=torch.float32).view(shape),
        torch.tensor(std, dtype=torch.float32).view(shape),
    )

    class LocalExtractor(FeatureExtractorBase):
        def __init__(self, name: str, features_list: list[str], **kwargs: object) -> None:
            super().__init__(name, features_list)
            self.net = load_checked(path, sha256)

        @staticmethod
        def get_provided_features_list() -> tuple[str, ...]:
            return ("features",)

        @staticmethod
        def get_default_feature_layer_for_metric(metric: str) -> str:
            return "features"

        @staticmethod
        def can_be_compiled() -> bool:
            return False

        @staticmethod
        def get_dummy_input_for_compile() -> torch.Tensor:
            return torch.zeros(1, channels, resolution, resolution, dtype=torch.uint8)

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
            x = x.float() / 255.0
            if x.shape[1] == 1 and channels == 3:
                x = x.expand(-1, 3, -1, -1)
            if x.shape[-2:] != (resolution, resolution):
                x = F.interpolate(
                    x, size=(resolution, resolution), mode="bilinear", align_corners=False, antialias=True
                )
            out = self.net((x - mean_t.to(x.device)) / std_t.to(x.device))
            out = out[0] if isinstance(out, (tuple, list)) else out
            return (out.flatten(1).float(),)

    return ExtractorInfo(
        channels=channels,
        weights_hash=lambda: sha256.lower()[:16],
        has_logits=False,
        options=dict,
        description=description or f"TorchScript network {path.name} (sha256 {sha256[:12]}), {resolution} px",
        resize_mode=f"bilinear-antialias-{resolution}-normalised",
        fidelity_class=LocalExtractor,
    )
