import copy
import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from scipy import linalg

from benchbench import datasets
from benchbench.errors import UserError
from benchbench.metrics import Evaluator, mnist_classifier
from benchbench.metrics.collapse import collapse_suspected
from benchbench.metrics.images import ImageScorer
from benchbench.metrics.toy import mode_metrics, sliced_wasserstein

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def scorer():
    return ImageScorer("mnist-classifier", CPU)


@pytest.fixture(scope="module")
def mnist():
    return datasets.load("mnist")


def test_shipped_classifier_is_accurate_and_checksummed(mnist):
    info = json.loads(mnist_classifier.WEIGHTS_INFO.read_text())
    assert info["sha256"] == mnist_classifier.weights_sha256()
    net = mnist_classifier.load_classifier()
    from benchbench.datasets.mnist import load_arrays

    images, labels = load_arrays()["test"]
    assert mnist_classifier.accuracy(net, images, labels) >= 0.99


def test_tampered_weights_are_refused(tmp_path, monkeypatch):
    copy = tmp_path / "mnist_classifier.pt"
    copy.write_bytes(mnist_classifier.WEIGHTS.read_bytes() + b"\0")
    monkeypatch.setattr(mnist_classifier, "WEIGHTS", copy)
    monkeypatch.setattr(mnist_classifier, "WEIGHTS_INFO", mnist_classifier.WEIGHTS_INFO)
    with pytest.raises(UserError, match="sha256"):
        mnist_classifier.load_classifier()


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")  # a few dead ReLU units make the covariances singular
def test_fid_equals_an_independent_scipy_computation(scorer, mnist):
    real = scorer.features(mnist.reference("test", 2000))
    fake = scorer.features(mnist.reference("validation", 1000))
    fid = scorer.score(fake, real, ("fid",))["fid"]
    a, b = (f["penultimate"].double().numpy() for f in (fake, real))
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b).real
    expected = ((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root)
    assert fid == pytest.approx(expected, rel=1e-3)


def test_real_data_scores_well_and_noise_badly(scorer, mnist):
    real = scorer.features(mnist.reference("test", 3000))
    same = scorer.score(scorer.features(mnist.reference("validation", 2000)), real)
    noise = torch.randint(0, 256, (2000, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    bad = scorer.score(scorer.features(noise), real)
    assert same["fid"] < 0.02 * bad["fid"]
    assert same["is"] > 9.0 and bad["is"] < 2.0
    assert same["precision"] > 0.6 and same["recall"] > 0.6
    assert bad["recall"] < 0.05
    assert not collapse_suspected(same) and collapse_suspected(bad)


def test_inception_score_on_hand_made_logits(scorer):
    # Confident, balanced predictions: IS = exp(H(marginal)) = 10 (a little under, as the
    # 10 shuffled splits of 1,000 are not exactly balanced).
    confident = torch.full((10_000, 10), -50.0)
    confident[torch.arange(10_000), torch.arange(10_000) % 10] = 50.0
    spread = scorer.score({"logits": confident}, {}, ("is",))
    one_class = torch.zeros(1000, 10)
    one_class[:, 3] = 50.0
    collapsed = scorer.score({"logits": one_class}, {}, ("is",))
    assert spread["is"] == pytest.approx(10.0, rel=0.01)
    assert collapsed["is"] == pytest.approx(1.0, rel=1e-4)


def test_metrics_do_not_depend_on_batch_size(mnist):
    images = mnist.reference("test", 600)
    small = ImageScorer("mnist-classifier", CPU, batch_size=7).features(images)
    large = ImageScorer("mnist-classifier", CPU, batch_size=600).features(images)
    assert torch.allclose(small["penultimate"], large["penultimate"], atol=1e-4)


def test_sharp_edges_become_clear_errors_or_adjusted_settings(scorer, mnist):
    with pytest.raises(UserError, match="at least 2"):
        scorer.features(mnist.reference("test", 1))
    with pytest.raises(UserError, match="uint8"):
        scorer.features(torch.rand(4, 1, 28, 28))
    few = scorer.features(mnist.reference("test", 50))
    values = scorer.score(few, scorer.features(mnist.reference("validation", 3000)), ("kid", "is"))
    assert all(math.isfinite(v) for v in values.values())  # KID subset and IS splits shrink to N
    with pytest.raises(UserError, match=r"unknown image metrics \['ppl', 'isc'\]"):
        scorer.score(few, few, ("ppl", "is", "fid", "isc"))  # isc: a computation's name, not a metric's
    assert len(scorer.features(mnist.reference("test", 2))["penultimate"]) == 2  # two are enough
    without_logits = copy.copy(scorer)
    without_logits.info = dataclasses.replace(scorer.info, has_logits=False)
    with pytest.raises(UserError, match="'mnist-classifier' cannot give is: it has no logits"):
        without_logits.check_metrics(("fid", "is"))
    with pytest.raises(UserError, match="cannot give classes: it is no classifier"):
        without_logits.check_metrics(("classes",))
    without_logits.check_metrics(("fid", "kid", "precision", "recall", "density"))
    assert "is" not in without_logits.metrics() and "fid" in without_logits.metrics(during_training=True)


def test_evaluator_records_provenance(mnist):
    evaluator = Evaluator(mnist, None, CPU)
    values, provenance = evaluator.evaluate_samples(mnist.reference("validation", 300), "test", ("fid",))
    assert set(values) == {"fid"}
    assert provenance == {
        "extractor": "mnist-classifier",
        "extractor_weights": mnist_classifier.weights_sha256()[:16],
        "n_fake": 300,
        "n_real": 10_000,
        "split": "test",
    }


def test_mode_metrics_by_hand():
    modes = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    on_both = torch.cat([modes[0].repeat(50, 1), modes[1].repeat(50, 1)])
    values = mode_metrics(on_both, modes, std=0.1)
    assert values["modes_covered"] == 2 and values["high_quality_share"] == 1.0
    assert values["reverse_kl"] == pytest.approx(0.0)
    on_one = torch.cat([modes[0].repeat(90, 1), torch.tensor([[5.0, 5.0]]).repeat(10, 1)])
    values = mode_metrics(on_one, modes, std=0.1)
    assert values["modes_covered"] == 1 and values["high_quality_share"] == pytest.approx(0.9)
    assert values["reverse_kl"] == pytest.approx(math.log(2))  # every sample assigned to one of two modes
    assert collapse_suspected(values)


def test_sliced_wasserstein_by_hand():
    points = torch.randn(4000, 2, generator=torch.Generator().manual_seed(0))
    assert sliced_wasserstein(points, points) == pytest.approx(0.0, abs=1e-12)
    shifted = points + torch.tensor([1.0, 0.0])
    # a shift t moves every projection on direction u by t.u: the mean of |cos| over directions is 2/pi
    assert sliced_wasserstein(points, shifted, projections=2000) == pytest.approx(2 / math.pi, rel=0.03)


def test_reference_features_are_cached_by_content(scorer, mnist, monkeypatch):
    from benchbench.metrics.cache import cached_features, content_key

    images = mnist.reference("test", 300)
    first = cached_features(scorer, images)
    monkeypatch.setattr(scorer, "features", lambda *_: pytest.fail("recomputed a cached entry"))
    again = cached_features(scorer, images)
    assert torch.equal(first["penultimate"], again["penultimate"])
    keys = {content_key(x, "mnist-classifier", "w", "r") for x in (images, images[:299], images.flip(0))}
    assert len(keys) == 3  # a subset or another order is another entry
    assert content_key(images, "mnist-classifier", "other-weights", "r") not in keys


def test_features_computed_under_tf32_are_another_cache_entry(mnist):
    """Earlier the key recorded neither TF32 nor the device: features computed under TF32 were
    reused by float32 runs."""
    from benchbench.metrics.cache import content_key, numerics

    images = mnist.reference("test", 300)
    matmul, before = torch.backends.cuda.matmul, torch.backends.cuda.matmul.allow_tf32
    try:  # monkeypatch cannot read this attribute back; set and restore it by hand
        matmul.allow_tf32 = False
        float32 = numerics(torch.device("cuda", 0))
        matmul.allow_tf32 = True
        tf32 = numerics(torch.device("cuda", 0))
    finally:
        matmul.allow_tf32 = before
    assert float32 != tf32 and "tf32=True" in tf32 and numerics(CPU) == "cpu"
    keys = {content_key(images, "mnist-classifier", "w", "r", computed) for computed in (float32, tf32, "cpu")}
    assert len(keys) == 3


def test_mode_coverage_at_its_thresholds():
    """PacGAN's rule on a hand-placed sample: a sample is of high quality within 3 std of its
    nearest mode (the boundary included), a mode is covered with at least 20 of them per 2,500."""
    modes = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = (
        [[3.0, 0.0], [0.0, 3.0]]  # mode 0: two, exactly at 3 std
        + [[10.0, 0.0]] * 2  # mode 1: two
        + [[0.0, 10.0], [0.0, 13.5]]  # mode 2: one, and one at 3.5 std
        + [[-20.0, -20.0]] * 244  # far from everything, nearest to mode 0
    )
    result = mode_metrics(torch.tensor(points), modes, std=1.0)  # 250 samples: 2 needed per mode
    assert result["modes_covered"] == 2.0 and result["modes_total"] == 3.0
    assert result["high_quality_share"] == pytest.approx(5 / 250)
    p = np.array([246, 2, 2]) / 250
    assert result["reverse_kl"] == pytest.approx(float(np.sum(p * np.log(3 * p))))
    # with 10 samples one high-quality sample covers a mode (at least 1 is needed, not 20 x 10 / 2,500)
    few = mode_metrics(torch.tensor([[10.0, 0.0]] + [[-20.0, -20.0]] * 9), modes, std=1.0)
    assert few["modes_covered"] == 1.0


def test_sliced_wasserstein_is_repeatable():
    a, b = torch.randn(300, 2), torch.randn(300, 2) + 1.0
    assert sliced_wasserstein(a, b) == sliced_wasserstein(a, b)


def test_collapse_by_classes_drawn_at_half_of_them():
    assert collapse_suspected({"classes": 4.0, "is": 9.0}, classes=10)  # the IS alone would pass it
    assert not collapse_suspected({"classes": 5.0, "is": 1.2}, classes=10)  # half is not collapse
    assert collapse_suspected({"classes": 3.0, "is": 9.0}, classes=7)  # 3 < 3.5
    assert not collapse_suspected({"classes": 6.0, "is": 9.0}, classes=10)


def test_collapse_without_classes_by_inception_score_or_modes():
    assert not collapse_suspected({"is": 1.5}) and collapse_suspected({"is": 1.49})
    assert collapse_suspected({"modes_covered": 1.0}) and not collapse_suspected({"modes_covered": 2.0})
    assert not collapse_suspected({"swd": 0.1})  # nothing to judge by: not flagged


def test_kid_on_whole_sets_is_the_unbiased_polynomial_mmd(scorer):
    """With as many samples as the subset size, every KID subset is the whole set: the value is
    the unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3 (Binkowski et al. 2018), worked out here."""
    generator = torch.Generator().manual_seed(0)
    fake = {"penultimate": torch.randn(300, 16, generator=generator) * 0.5 + 0.2}
    real = {"penultimate": torch.randn(300, 16, generator=generator)}
    values = scorer.score(fake, real, ("kid",))
    x, y = (f["penultimate"].double() for f in (fake, real))

    def kernel(a, b):
        return (a @ b.T / 16 + 1) ** 3

    n = 300
    off = 1 - torch.eye(n, dtype=torch.double)
    mmd = (kernel(x, x) * off).sum() / (n * (n - 1)) + (kernel(y, y) * off).sum() / (n * (n - 1))
    mmd -= 2 * kernel(x, y).mean()
    assert values["kid"] == pytest.approx(mmd.item(), rel=1e-4)
    assert abs(values["kid_std"]) < 1e-3 * values["kid"] and set(values) == {"kid", "kid_std"}  # subsets all alike


def test_classes_drawn_count_shares_at_the_floor(scorer):
    """A class counts as drawn at 3% of the samples and above; the top share is the largest."""
    counts = [500, 200, 150, 50, 30, 29, 41, 0, 0, 0]  # of 1,000
    labels = torch.repeat_interleave(torch.arange(10), torch.tensor(counts))
    logits = torch.nn.functional.one_hot(labels, 10).float() * 20
    values = scorer.score({"logits": logits}, {}, ("is", "classes"))
    assert values["classes"] == 6.0  # 500, 200, 150, 50, 30 and 41; not 29
    assert values["top_class_share"] == pytest.approx(0.5)
    assert {"is", "is_std", "classes", "top_class_share"} == set(values)
    assert scorer.class_shares({"logits": logits}) == pytest.approx([c / 1000 for c in counts])


def test_precision_and_recall_are_not_swapped(scorer, mnist):
    """Samples of two digits only: most of them look real (precision), few real digits are
    covered (recall)."""
    from benchbench.datasets.mnist import load_arrays

    images, labels = load_arrays()["validation"]
    two_digits = images[(labels == 0) | (labels == 1)][:1000]
    values = scorer.score(
        scorer.features(two_digits), scorer.features(mnist.reference("test", 2000)), ("precision", "recall")
    )
    assert values["precision"] > 0.7 and values["recall"] < 0.4
    assert set(values) == {"precision", "recall"}


def test_final_pyramid_swd_only_when_asked_for_and_only_on_images(mnist):
    from types import SimpleNamespace

    from benchbench.metrics.evaluator import final_metrics
    from benchbench.metrics.swd import sliced_wasserstein_images

    samples = mnist.reference("validation", 64)
    assert final_metrics(samples, mnist, SimpleNamespace(swd_samples=0)) == {}
    assert final_metrics(torch.randn(64, 2), datasets.load("8gaussians"), SimpleNamespace(swd_samples=64)) == {}
    values = final_metrics(samples, mnist, SimpleNamespace(swd_samples=48))
    assert values == sliced_wasserstein_images(samples, mnist.reference("test"), 48)  # against the test split
    assert set(values) == {"pyramid_swd", "pyramid_swd_32", "pyramid_swd_16"}


def test_evaluator_scores_points_and_images_and_reuses_reference_features(mnist):
    points = Evaluator(datasets.load("8gaussians"), None, CPU)
    assert points.primary == "swd" and points.extractor == "none"  # no network for points
    values, provenance = points.evaluate_samples(datasets.load("8gaussians").reference("test", 500), "test")
    assert values["modes_covered"] == 8 and values["swd"] < 0.1
    n_real = len(datasets.load("8gaussians").reference("test"))
    assert provenance == {
        "extractor": "none",
        "extractor_weights": "none",
        "n_fake": 500,
        "n_real": n_real,
        "split": "test",
    }
    images = Evaluator(mnist, None, CPU)
    assert images.primary == "fid" and images.extractor == "mnist-classifier"
    assert images.reference_features("test") is images.reference_features("test")  # extracted once
    _, with_is = images.evaluate_samples(mnist.reference("validation", 300), "test", ("fid", "classes"))
    assert len(with_is["class_shares"]) == 10 and sum(with_is["class_shares"]) == pytest.approx(1.0, abs=1e-3)
    assert all(share == round(share, 4) for share in with_is["class_shares"])  # stored to 4 decimals
    assert any(share != round(share, 3) for share in with_is["class_shares"])
    _, without = images.evaluate_samples(mnist.reference("validation", 200), "test", ("fid",))
    assert "class_shares" not in without
    with pytest.raises(UserError, match="names no feature extractor"):
        Evaluator(dataclasses.replace(mnist, extractor=None), None, CPU)


def test_scorer_hands_device_and_weights_to_torch_fidelity_and_explains_a_failed_load(monkeypatch):
    """What reaches torch-fidelity's create_feature_extractor (a stand-in records it): the CUDA
    flag from the device, and the Inception weights file named in BENCHBENCH_INCEPTION_WEIGHTS."""
    import urllib.error

    import benchbench.metrics.images as images

    calls = []

    def record(name, features, **kwargs):
        calls.append((name, kwargs))
        return torch.nn.Identity()

    monkeypatch.setattr(images, "create_feature_extractor", record)
    monkeypatch.setenv("BENCHBENCH_INCEPTION_WEIGHTS", "/weights/pt_inception.pth")
    ImageScorer("inception-v3-compat", torch.device("cuda"))
    name, kwargs = calls[-1]
    assert name == "inception-v3-compat" and kwargs["cuda"] is True and kwargs["verbose"] is False
    assert kwargs["feature_extractor_weights_path"] == "/weights/pt_inception.pth"
    ImageScorer("mnist-classifier", CPU)
    assert calls[-1][1]["cuda"] is False

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(images, "create_feature_extractor", offline)
    with pytest.raises(UserError) as error:
        ImageScorer("inception-v3-compat", CPU)
    message = str(error.value)
    assert "could not be loaded" in message and "mnist-classifier for MNIST" in message
    assert "BENCHBENCH_INCEPTION_WEIGHTS" in message


def test_kid_subsets_and_is_splits_follow_the_conventions_and_shrink_to_the_data(scorer, monkeypatch):
    """KID on subsets of 1,000 (Binkowski et al. 2018; torch-fidelity's default) and IS over 10
    splits (Salimans et al. 2016), each cut to what the smaller set allows."""
    import benchbench.metrics.images as images

    seen = {}

    def recording(function, key):
        def wrapper(*args, **kwargs):
            seen[key] = kwargs
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(images, "kid_featuresdict_to_metric", recording(images.kid_featuresdict_to_metric, "kid"))
    monkeypatch.setattr(images, "isc_featuresdict_to_metric", recording(images.isc_featuresdict_to_metric, "isc"))
    generator = torch.Generator().manual_seed(0)

    def features(n):
        return {
            "penultimate": torch.randn(n, 16, generator=generator),
            "logits": torch.randn(n, 10, generator=generator),
        }

    values = scorer.score(features(1200), features(1100), ("kid", "is"))
    assert seen["kid"]["kid_subset_size"] == 1000 and seen["isc"]["isc_splits"] == 10
    assert values["kid_std"] > 0  # subsets smaller than the sets differ
    values = scorer.score(features(300), features(200), ("kid",))  # fewer real than generated
    assert seen["kid"]["kid_subset_size"] == 200 and math.isfinite(values["kid"])
    values = scorer.score(features(6), {}, ("is",))
    assert seen["isc"]["isc_splits"] == 6 and math.isfinite(values["is"])


def test_grey_images_are_repeated_to_three_channels_for_a_colour_network(monkeypatch):
    import benchbench.metrics.images as images

    monkeypatch.setattr(images, "create_feature_extractor", lambda *args, **kwargs: torch.nn.Identity())
    seen = []

    def record(data, model, batch_size, cuda, **kwargs):
        seen.append((tuple(data.images.shape), cuda))

    monkeypatch.setattr(images, "get_featuresdict_from_dataset", record)
    grey, colour = torch.zeros(4, 1, 8, 8, dtype=torch.uint8), torch.zeros(4, 3, 8, 8, dtype=torch.uint8)
    inception = ImageScorer("inception-v3-compat", CPU)
    inception.features(grey)
    inception.features(colour)
    ImageScorer("mnist-classifier", CPU).features(grey)
    ImageScorer("mnist-classifier", torch.device("cuda")).features(grey)  # batches go to the GPU
    assert seen == [((4, 3, 8, 8), False), ((4, 3, 8, 8), False), ((4, 1, 8, 8), False), ((4, 1, 8, 8), True)]


def test_reference_features_in_memory_follow_the_content_not_the_name():
    """Two datasets of one name loaded with other options (a folder at two resolutions, say)
    must not share reference features or floors within a process."""
    base = datasets.load("8gaussians")
    shifted = dataclasses.replace(base, splits={k: v + 10.0 for k, v in base.splits.items()})
    first, second = Evaluator(base, None, CPU), Evaluator(shifted, None, CPU)
    assert not torch.equal(first.reference_features("test"), second.reference_features("test"))
    assert first.floor(500, "test") is not second.floor(500, "test")
    assert first.reference_features("test") is Evaluator(base, None, CPU).reference_features("test")


def test_reference_statistics_are_computed_once_per_reference(scorer, mnist, monkeypatch):
    import gc

    import benchbench.metrics.images as images

    calls = []
    original = images.fid_featuresdict_to_statistics
    monkeypatch.setattr(images, "fid_featuresdict_to_statistics", lambda *a, **k: calls.append(1) or original(*a, **k))
    real = scorer.features(mnist.reference("test", 300))
    fakes = [scorer.features(mnist.reference("train", 300)), scorer.features(mnist.reference("validation", 300))]
    values = [scorer.score(fake, real, ("fid",))["fid"] for fake in fakes]
    assert len(calls) == 3  # two generated sets, one reference
    assert scorer.score(fakes[0], real, ("fid",))["fid"] == values[0] and len(calls) == 4
    key = id(real[scorer.layers["features"]])
    assert key in images._STATISTICS
    del real  # the memo keeps no reference alive: its entry goes with the features
    gc.collect()
    assert key not in images._STATISTICS


def test_along_training_the_cheap_metrics_with_kid_on_fewer_subsets(mnist, monkeypatch):
    """A trajectory point scores the metrics marked cheap, KID on 20 subsets; the final scores
    everything, KID on torch-fidelity's 100."""
    from benchbench.metrics import images

    subsets = []

    def recorded(*args, **kwargs):
        subsets.append(kwargs["kid_subsets"])
        return kid(*args, **kwargs)

    kid = images.kid_featuresdict_to_metric
    monkeypatch.setattr(images, "kid_featuresdict_to_metric", recorded)
    evaluator = Evaluator(mnist, None, CPU)
    samples = mnist.reference("train", 200)
    along, _ = evaluator.evaluate_samples(samples, "validation", during_training=True)
    evaluator.evaluate_samples(samples, "validation", ("kid",))
    assert subsets == [images.KID_SUBSETS_ALONG, images.KID_SUBSETS] == [20, 100]
    assert "kid" in along and "precision" not in along
    assert {"precision", "density"} <= set(evaluator.metrics()) - set(evaluator.metrics(during_training=True))


def test_the_evaluators_reference_memo_is_bounded_and_frees_the_statistics_with_the_features(mnist, monkeypatch):
    """Earlier the evaluator kept every reference tensor for the life of the process, so the
    statistics memo's finalizer never fired."""
    import gc

    from benchbench.metrics import evaluator as evaluation
    from benchbench.metrics import images

    monkeypatch.setattr(evaluation, "REFERENCE_MEMO_SIZE", 1)
    monkeypatch.setattr(evaluation, "_REFERENCE_FEATURES", evaluation.OrderedDict())
    scoring = Evaluator(mnist, None, CPU)
    samples = mnist.reference("train", 200)
    scoring.evaluate_samples(samples, "validation", ("fid",))
    key = id(scoring.reference_features("validation")[scoring.scorer.layers["features"]])
    assert key in images._STATISTICS
    scoring.evaluate_samples(samples, "test", ("fid",))  # another reference: the validation one goes
    gc.collect()
    assert key not in images._STATISTICS and len(evaluation._REFERENCE_FEATURES) == 1


def test_fid_needs_more_samples_than_features_on_both_sides():
    """n samples give a covariance of rank n - 1: a count equal to the feature dimension is still
    singular, and so is a reference split that small."""
    from types import SimpleNamespace

    from benchbench.metrics.sample_size import sample_count_problems

    def dataset(split_size):
        images = torch.zeros(split_size, 1, 28, 28, dtype=torch.uint8)
        return SimpleNamespace(kind="image", extractor="mnist-classifier", reference=lambda split, n=None: images)

    settings = SimpleNamespace(extractor=None, final_extractors=None, eval_samples=128, final_samples=5000)
    (problem,) = sample_count_problems(settings, dataset(10_000))
    assert "eval_samples = 128 is not more than `mnist-classifier`'s 128 features" in problem
    settings.eval_samples = 129
    assert sample_count_problems(settings, dataset(10_000)) == []
    problems = sample_count_problems(settings, dataset(128))
    assert any("the validation split holds 128 images" in p for p in problems)
    assert any("the test split holds 128 images" in p for p in problems)
