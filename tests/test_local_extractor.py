"""Feature networks from disk: a tiny TorchScript network made here stands in for a DINOv2 or
CLIP the user traced; it loads only with the declared checksum and scores through torch-fidelity."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import benchbench
from benchbench import datasets
from benchbench.errors import UserError
from benchbench.metrics import EXTRACTORS
from benchbench.metrics.evaluator import Evaluator
from benchbench.metrics.local import file_sha256
from benchbench.registry import Origin


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv(x)).mean(dim=(2, 3))


@pytest.fixture
def network(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "tiny.pt"
    torch.jit.script(Tiny()).save(str(path))
    return path


def register(monkeypatch, name, info):
    monkeypatch.setitem(EXTRACTORS._entries, name, info)
    monkeypatch.setitem(EXTRACTORS._origins, name, Origin("import", target=f"test:{name}"))


def test_a_network_on_disk_scores_digits_under_its_checksum(network, monkeypatch):
    info = benchbench.local_extractor(network, file_sha256(network), resolution=32)
    register(monkeypatch, "tiny-local", info)
    mnist = datasets.load("mnist")
    evaluator = Evaluator(mnist, "tiny-local", torch.device("cpu"))
    real, provenance = evaluator.evaluate_samples(mnist.reference("train", 500), "test", ("fid", "kid"))
    noise = torch.randint(0, 256, (500, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    fake, _ = evaluator.evaluate_samples(noise, "test", ("fid", "kid"))
    assert provenance["extractor_weights"] == file_sha256(network)[:16]
    assert 0 <= real["fid"] < fake["fid"]
    with pytest.raises(UserError, match="no logits"):
        evaluator.evaluate_samples(noise, "test", ("is",))


def test_a_changed_or_missing_file_is_refused(network, monkeypatch):
    register(monkeypatch, "tiny-wrong", benchbench.local_extractor(network, "0" * 64))
    with pytest.raises(UserError, match="not the 0000000000000000... it was declared with"):
        Evaluator(datasets.load("mnist"), "tiny-wrong", torch.device("cpu"))
    register(monkeypatch, "tiny-gone", benchbench.local_extractor(network.parent / "gone.pt", "0" * 64))
    with pytest.raises(UserError, match="does not exist"):
        Evaluator(datasets.load("mnist"), "tiny-gone", torch.device("cpu"))
    text = network.parent / "text.pt"
    text.write_text("not a network")
    register(monkeypatch, "tiny-text", benchbench.local_extractor(text, file_sha256(text)))
    with pytest.raises(UserError, match="not a TorchScript file"):
        Evaluator(datasets.load("mnist"), "tiny-text", torch.device("cpu"))
