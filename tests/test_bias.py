"""Numbers that state their bias: FID-infinity, density and coverage, and the real-against-real
floor, each against a computation by hand from its definition."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from benchbench import datasets
from benchbench.metrics.coverage import NEAREST_K, density_coverage
from benchbench.metrics.evaluator import Evaluator
from benchbench.metrics.finite import fid_infinity, sample_counts
from benchbench.metrics.toy import sliced_wasserstein


def fid_by_hand(x: np.ndarray, y: np.ndarray) -> float:
    """||mu_x - mu_y||^2 + Tr(S_x + S_y - 2 (S_x S_y)^(1/2)), covariances with n - 1."""
    mu_x, mu_y = x.mean(0), y.mean(0)
    s_x, s_y = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    root = scipy.linalg.sqrtm(s_x @ s_y).real
    return float(((mu_x - mu_y) ** 2).sum() + np.trace(s_x + s_y - 2 * root))


def test_fid_infinity_extrapolates_fid_at_15_counts_linearly_in_one_over_n():
    rng = np.random.default_rng(3)
    fake = rng.normal(0.0, 1.0, (600, 4))
    real = rng.normal(0.3, 1.2, (3000, 4))
    counts = sample_counts(600, 4)
    assert len(counts) == 15 and counts[0] == 60 and counts[-1] == 600  # a tenth of the samples to all
    shuffles = np.random.default_rng(0)
    fids = [fid_by_hand(fake[shuffles.permutation(600)[:n]], real) for n in counts]
    slope, intercept = np.polyfit(1.0 / counts, fids, 1)
    got = fid_infinity(torch.from_numpy(fake), torch.from_numpy(real))
    assert got["fid_infinity"] == pytest.approx(intercept, rel=1e-4)
    assert got["fid_infinity_slope"] == pytest.approx(slope, rel=1e-4)
    assert slope > 0  # FID falls as N grows: the finite-sample bias


def test_fid_infinity_needs_more_samples_than_twice_the_feature_dimension():
    assert sample_counts(100, 60).size == 0
    assert fid_infinity(torch.randn(100, 60), torch.randn(500, 60)) == {}


def density_coverage_by_hand(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[float, float]:
    """Naeem et al. 2020, Eqs. 3-4: balls around each real sample out to its k-th nearest real
    neighbour; density counts the balls holding each fake sample (over k M), coverage the balls
    holding any."""
    real_real = np.linalg.norm(real[:, None] - real[None], axis=2)
    radii = np.sort(real_real, axis=1)[:, k]  # column 0 is the sample itself
    real_fake = np.linalg.norm(real[:, None] - fake[None], axis=2)
    inside = real_fake < radii[:, None]
    return inside.sum() / (k * len(fake)), inside.any(axis=1).mean()


def test_density_and_coverage_follow_their_definitions():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(40, 3))
    fake = np.concatenate([rng.normal(size=(20, 3)) * 0.3, rng.normal(size=(10, 3)) + 4])  # a tight blob, some far off
    density, coverage = density_coverage_by_hand(real, fake, NEAREST_K)
    got = density_coverage(torch.from_numpy(fake), torch.from_numpy(real))
    assert got["density"] == pytest.approx(density) and got["coverage"] == pytest.approx(coverage)
    assert got["dc_samples"] == 30
    assert 0 < coverage < 1 and density != pytest.approx(coverage)


def test_real_data_scores_near_the_ideal_on_density_and_coverage():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(800, 5)), rng.normal(size=(800, 5))
    got = density_coverage(torch.from_numpy(fake), torch.from_numpy(real))
    assert got["density"] == pytest.approx(1.0, abs=0.15) and got["coverage"] > 0.9


def test_the_floor_is_real_training_data_scored_against_the_split():
    data = datasets.load("8gaussians")
    evaluator = Evaluator(data, None, torch.device("cpu"))
    floor = evaluator.floor(500, "validation")
    expected = sliced_wasserstein(data.reference("train", 500), data.reference("validation"))
    assert floor == {"n": 500, "split": "validation", "swd": pytest.approx(expected)}


@pytest.mark.slow  # scores 3,000 digits with every final metric against MNIST's test split (about 10 s)
def test_final_image_scores_carry_fid_infinity_density_and_coverage():
    mnist = datasets.load("mnist")
    evaluator = Evaluator(mnist, "mnist-classifier", torch.device("cpu"))
    values, _ = evaluator.evaluate_samples(mnist.reference("train", 3000), "test")
    assert 0 <= values["fid_infinity"] < values["fid"]  # real digits: the bias is most of a small FID
    assert values["density"] == pytest.approx(1.0, abs=0.2) and values["coverage"] > 0.8
    floor = evaluator.floor(3000, "test")
    assert floor["fid"] == pytest.approx(values["fid"])


def test_density_and_coverage_need_more_samples_than_k_plus_one():
    """prdc reads each point's (k + 1)-th distance (itself included): k + 1 samples are too few."""
    points = torch.randn(NEAREST_K + 2, 4, generator=torch.Generator().manual_seed(0))
    assert density_coverage(points[: NEAREST_K + 1], points[: NEAREST_K + 1]) == {}
    assert set(density_coverage(points, points)) == {"density", "coverage", "dc_samples"}
