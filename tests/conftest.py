"""Shared fixtures: tiny trials that train in a second or two on the CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchbench.training import Budget, Settings, Trial


@pytest.fixture
def toy_trial():
    def make(family: str = "wgan-gp", budget: str = "40steps", seed: int = 0, **config) -> Trial:
        settings = Settings(batch_size=64, width=0.125, eval_points=4, eval_samples=500, final_samples=1000)
        return Trial(family, "8gaussians", seed, Budget.parse(budget), settings, family_config=config)

    return make


@pytest.fixture
def suite_file(tmp_path: Path):
    def write(text: str) -> Path:
        path = tmp_path / "suite.toml"
        path.write_text(text)
        return path

    return write


@pytest.fixture(autouse=True, scope="session")
def isolated_cache(tmp_path_factory):
    """Feature caches and converted weights go to the tests' own folder, never the user's cache.
    Entries are keyed by content (metrics/cache.py), so the folder is kept between runs, as a
    user's cache is: the MNIST reference features are extracted on the first run only.
    BENCHBENCH_TEST_CACHE=fresh starts from an empty one."""
    import os

    kept = Path(__file__).resolve().parent.parent / ".test-cache"
    fresh = os.environ.get("BENCHBENCH_TEST_CACHE") == "fresh"
    os.environ["BENCHBENCH_CACHE"] = str(tmp_path_factory.mktemp("cache") if fresh else kept)
    yield
