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
