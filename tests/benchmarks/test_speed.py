"""Microbenchmarks (pytest-benchmark), kept out of the default test run: `make bench`.

Compare against the committed baseline and fail on a slowdown:
    pytest tests/benchmarks --benchmark-only -o addopts="" --benchmark-storage=file://baselines/pytest-benchmark \
        --benchmark-compare=0001 --benchmark-compare-fail=median:25%
"""

from __future__ import annotations

import pytest
import torch

from benchbench.bench import BenchConfig, setup_trial
from benchbench.metrics.images import ImageScorer

CPU = torch.device("cpu")
CONFIG = BenchConfig(width=0.25, batch_size=64)


@pytest.mark.parametrize("family", ["wgan-gp", "began"])
def test_training_iteration(benchmark, family):
    _, built, real, _ = setup_trial(family, "mnist", CPU, CONFIG)
    built.train_step(real)  # warm-up
    benchmark.pedantic(built.train_step, args=(real,), rounds=10, iterations=1, warmup_rounds=1)


def test_generator_sampling(benchmark):
    _, built, _, _ = setup_trial("began", "mnist", CPU, CONFIG)
    benchmark.pedantic(built.sample, args=(1000, torch.Generator().manual_seed(0)), rounds=10, warmup_rounds=1)


def test_feature_extraction(benchmark):
    data, _, _, _ = setup_trial("began", "mnist", CPU, CONFIG)
    scorer = ImageScorer("mnist-classifier", CPU)
    images = data.reference("test", 1000)
    benchmark.pedantic(scorer.features, args=(images,), rounds=10, warmup_rounds=1)


@pytest.fixture(scope="module")
def neighbour_features():
    """MNIST test digits against training digits in the classifier's precision space, 10,000 a
    side: what a final scoring of the default suite compares."""
    data, _, _, _ = setup_trial("began", "mnist", CPU, CONFIG)
    scorer = ImageScorer("mnist-classifier", CPU)
    layer = scorer.layers["prc"]
    return scorer.features(data.reference("train", 10000))[layer], scorer.features(data.reference("test"))[layer]


def _through_the_libraries(fake, real):
    """Precision, recall, density and coverage as before the shared pass: torch-fidelity's and
    prdc's single calls, each computing the real side again."""
    import contextlib
    import io

    import numpy as np
    from prdc import compute_prdc
    from torch_fidelity.metric_prc import prc_features_to_metric

    prc = prc_features_to_metric(
        fake, real, prc_neighborhood=3, prc_batch_size=10000, save_cpu_ram=False, verbose=False
    )
    rng = np.random.default_rng(0)
    real_array = real.double().numpy()[np.sort(rng.choice(len(real), 5000, replace=False))]
    fake_array = fake.double().numpy()[np.sort(rng.choice(len(fake), 5000, replace=False))]
    with contextlib.redirect_stdout(io.StringIO()):
        dc = compute_prdc(real_array, fake_array, nearest_k=5)
    return prc, dc


def _shared(fake, real):
    from benchbench.metrics import neighbours

    radii = neighbours.real_radii(real, on_disk=False)  # memoised: computed in the warm-up round
    return neighbours.precision_recall(fake, real, radii), neighbours.density_coverage(fake, real, radii)


@pytest.mark.parametrize("path", ["libraries", "shared"])
def test_neighbour_metrics_of_one_final_scoring(benchmark, neighbour_features, path):
    fake, real = neighbour_features
    compute = _through_the_libraries if path == "libraries" else _shared
    benchmark.pedantic(compute, args=(fake, real), rounds=3, iterations=1, warmup_rounds=1)
