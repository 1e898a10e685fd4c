"""The shared nearest-neighbour work (metrics/neighbours.py) against its references: precision
and recall as torch-fidelity computes them, density and coverage as prdc does, to 1e-6, on random
features, on real MNIST features and on features with ties and duplicates; the real side's
radii computed once per reference, cached on disk by content and never reused under another key."""

import contextlib
import io
import json

import numpy as np
import pytest
import torch
from prdc import compute_prdc
from torch_fidelity.metric_prc import prc_features_to_metric

from benchbench import datasets
from benchbench.metrics import neighbours
from benchbench.metrics.coverage import MAX_SAMPLES, NEAREST_K
from benchbench.metrics.images import ImageScorer

CPU = torch.device("cpu")


def references(fake: torch.Tensor, real: torch.Tensor) -> dict[str, float]:
    """The four values as torch-fidelity and prdc compute them (prdc on benchbench's seeded draw)."""
    prc = prc_features_to_metric(
        fake, real, prc_neighborhood=3, prc_batch_size=10000, save_cpu_ram=False, verbose=False
    )
    rng = np.random.default_rng(0)
    draw = lambda x: x[np.sort(rng.choice(len(x), MAX_SAMPLES, replace=False))] if len(x) > MAX_SAMPLES else x  # noqa: E731
    real_array = draw(real.double().numpy())
    fake_array = draw(fake.double().numpy())
    with contextlib.redirect_stdout(io.StringIO()):
        dc = compute_prdc(real_array, fake_array, nearest_k=NEAREST_K)
    return {
        "precision": prc["precision"],
        "recall": prc["recall"],
        "density": dc["density"],
        "coverage": dc["coverage"],
    }


def shared(fake: torch.Tensor, real: torch.Tensor) -> dict[str, float]:
    radii = neighbours.real_radii(real, on_disk=False)
    out = neighbours.precision_recall(fake, real, radii) | neighbours.density_coverage(fake, real, radii)
    out.pop("dc_samples")
    return out


def agree(fake: torch.Tensor, real: torch.Tensor) -> None:
    expected, got = references(fake, real), shared(fake, real)
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert got[name] == pytest.approx(float(value), abs=1e-6), name


def test_random_features_agree_with_torch_fidelity_and_prdc():
    generator = torch.Generator().manual_seed(0)
    real = torch.randn(1500, 32, generator=generator)
    fake = torch.randn(1200, 32, generator=generator) * 1.2 + 0.1
    agree(fake, real)


def test_more_samples_than_prdc_takes_agree_too():
    generator = torch.Generator().manual_seed(1)
    real = torch.randn(MAX_SAMPLES + 700, 8, generator=generator)
    fake = torch.randn(MAX_SAMPLES + 300, 8, generator=generator) + 0.2
    agree(fake, real)


def test_ties_and_duplicates_agree():
    """A collapsed generator repeats samples: which side of a radius a distance of (nearly) zero
    falls on is the arithmetic's last bits, so both pairs must use their reference's own."""
    generator = torch.Generator().manual_seed(2)
    base = torch.randn(300, 16, generator=generator).round()  # coarse grid: many equal distances
    real = torch.cat([base, base[:120], base[:40]])
    fake = torch.cat([base[:50].repeat(6, 1), torch.randn(200, 16, generator=generator).round()])
    agree(fake, real)
    collapsed = base[:1].repeat(400, 1)
    agree(collapsed, real)


def test_real_mnist_features_agree():
    scorer = ImageScorer("mnist-classifier", CPU)
    mnist = datasets.load("mnist")
    layer = scorer.layers["prc"]
    real = scorer.features(mnist.reference("test", 2000))[layer]
    fake = scorer.features(mnist.reference("train", 2000))[layer]
    agree(fake, real)


def test_the_real_radii_are_computed_once_per_reference_and_cached_by_content(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BENCHBENCH_CACHE", str(tmp_path))
    computed = []
    original = neighbours._compute
    monkeypatch.setattr(neighbours, "_compute", lambda real, key: computed.append(1) or original(real, key))
    real = torch.randn(400, 8, generator=torch.Generator().manual_seed(3))
    first = neighbours.real_radii(real)
    assert neighbours.real_radii(real) is first and len(computed) == 1  # in memory
    again = neighbours.real_radii(real.clone())  # the same content, another tensor: from disk
    assert len(computed) == 1 and torch.equal(again.prc, first.prc) and np.array_equal(again.dc, first.dc)
    (path,) = tmp_path.glob("features/radii-*.pt")
    # made under another version: never reused, and the line says why
    entry = torch.load(path, weights_only=True)
    entry["key"]["torch_fidelity"] = "0.3.0"
    torch.save(entry, path)
    neighbours.real_radii(real.clone())
    assert len(computed) == 2 and "torch_fidelity 0.3.0 (now" in capsys.readouterr().err
    path.write_bytes(b"not a tensor file")  # corrupt: recomputed, one line, no traceback
    neighbours.real_radii(real.clone())
    err = capsys.readouterr().err
    assert len(computed) == 3 and "is corrupt: recomputing it" in err and "Traceback" not in err
    other = neighbours.real_radii(real[:300].clone())  # another sample count is another entry
    assert len(computed) == 4 and len(other.prc) == 300 and json.dumps(other.key)
