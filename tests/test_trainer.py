import math

import pandas as pd
import pytest
import torch

from benchbench.families import FAMILIES
from benchbench.families.wgan_gp import WGANGP
from benchbench.results import load_tensors, read_json
from benchbench.training import Budget, Settings, Trial, run_trial
from benchbench.training.state import eval_fractions
from benchbench.training.trainer import TrialRunner

CPU = torch.device("cpu")


def test_a_trial_writes_its_directory(toy_trial, tmp_path):
    trial = toy_trial("wgan-gp", "40steps")
    summary = run_trial(trial, tmp_path, CPU)
    assert summary["status"] == "completed"
    assert {p.name for p in tmp_path.iterdir()} >= {
        "config.json",
        "summary.json",
        "trajectory.csv",
        "samples.png",
        "checkpoint.pt",
    }
    counters = summary["counters"]
    assert counters["steps"] == 40
    assert counters["images"] == 40 * 5 * 64  # five critic batches per generator step are paid for
    assert counters["eval_seconds"] > 0 and counters["train_seconds"] > 0
    trajectory = pd.read_csv(tmp_path / "trajectory.csv")
    assert len(trajectory) == 4 and trajectory["step"].iloc[-1] == 40
    assert {"step", "kimg", "train_seconds", "swd", "modes_covered", "d_loss"} <= set(trajectory.columns)
    assert summary["final"]["split"] == "test" and summary["final"]["n_fake"] == 1000
    assert summary["best"]["selected_on"] == "validation"
    for key in ("versions", "device", "config_hash", "seed", "budget", "extractor", "nets", "images_per_second"):
        assert key in summary
    assert summary["nets"]["parameters"]["generator"] > 0


def test_eval_fractions_are_log_spaced_and_end_at_the_budget():
    fractions = eval_fractions(5)
    assert fractions[0] == pytest.approx(0.02) and fractions[-1] == 1.0
    ratios = [b / a for a, b in zip(fractions, fractions[1:])]
    assert max(ratios) == pytest.approx(min(ratios))


def test_a_seed_fixes_a_cpu_trial(toy_trial, tmp_path):
    a = run_trial(toy_trial("began", "30steps", seed=4), tmp_path / "a", CPU)
    b = run_trial(toy_trial("began", "30steps", seed=4), tmp_path / "b", CPU)
    c = run_trial(toy_trial("began", "30steps", seed=5), tmp_path / "c", CPU)
    assert a["final"]["metrics"] == b["final"]["metrics"]
    assert a["final"]["metrics"] != c["final"]["metrics"]


def test_a_finished_trial_is_skipped(toy_trial, tmp_path, monkeypatch):
    trial = toy_trial("wgan-gp", "10steps")
    run_trial(trial, tmp_path, CPU)
    on_disk = read_json(tmp_path / "summary.json")
    monkeypatch.setattr(WGANGP, "train_step", lambda *a: pytest.fail("trained again"))
    assert run_trial(trial, tmp_path, CPU) == on_disk


def test_an_interrupted_trial_resumes_to_the_same_result(toy_trial, tmp_path, monkeypatch):
    trial = toy_trial("wgan-gp", "40steps")
    reference = run_trial(trial, tmp_path / "whole", CPU)

    original = WGANGP.train_step
    calls = {"n": 0}

    def dies_at_step_20(self, real):
        calls["n"] += 1
        if calls["n"] == 20:
            raise KeyboardInterrupt  # a killed process: nothing after the last checkpoint survives
        return original(self, real)

    monkeypatch.setattr(WGANGP, "train_step", dies_at_step_20)
    with pytest.raises(KeyboardInterrupt):
        run_trial(trial, tmp_path / "cut", CPU)
    assert not (tmp_path / "cut" / "summary.json").exists()
    saved = load_tensors(tmp_path / "cut" / "checkpoint.pt")
    assert 0 < saved["state"]["counters"]["steps"] < 20
    monkeypatch.setattr(WGANGP, "train_step", original)
    resumed = run_trial(trial, tmp_path / "cut", CPU)
    assert resumed["counters"]["steps"] == 40
    assert resumed["final"]["metrics"] == reference["final"]["metrics"]


class ExplodingGAN(WGANGP):
    name = "exploding"

    def train_step(self, real):
        logs = super().train_step(real)
        return logs | ({"d_loss": math.nan} if self.steps_taken() >= 7 else {})

    def steps_taken(self):
        self._steps = getattr(self, "_steps", 0) + 1
        return self._steps


@pytest.fixture
def exploding_family():
    FAMILIES.register("exploding")(ExplodingGAN)
    yield "exploding"
    FAMILIES._entries.pop("exploding")


def test_a_diverging_trial_is_recorded_with_its_partial_trajectory(exploding_family, toy_trial, tmp_path):
    summary = run_trial(toy_trial(exploding_family, "40steps"), tmp_path, CPU)
    assert summary["status"] == "diverged" and summary["diverged_at_step"] == 7
    assert "final" not in summary
    trajectory = pd.read_csv(tmp_path / "trajectory.csv")
    assert 1 <= len(trajectory) and trajectory["step"].max() < 7
    assert read_json(tmp_path / "summary.json")["status"] == "diverged"


class FakeClock:
    """The trainer's clock, moved by hand: a step takes 1 s, an evaluation 100 s."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_training_time_excludes_evaluation(toy_trial, tmp_path, monkeypatch):
    from benchbench.metrics.evaluator import Evaluator

    clock = FakeClock()
    step, evaluate = WGANGP.train_step, Evaluator.evaluate_samples

    def slow_step(self, real):
        clock.now += 1.0
        return step(self, real)

    def slow_evaluation(self, *args, **kwargs):
        clock.now += 100.0
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(WGANGP, "train_step", slow_step)
    monkeypatch.setattr(Evaluator, "evaluate_samples", slow_evaluation)
    summary = run_trial(toy_trial("wgan-gp", "10s"), tmp_path, CPU, clock=clock)
    counters = summary["counters"]
    # a 10 s budget is 10 one-second steps, however long the 4 evaluations along the way took
    assert counters["steps"] == 10 and counters["train_seconds"] == 10.0
    assert counters["eval_seconds"] >= 4 * 100.0


def test_an_image_trial_names_its_extractor(tmp_path):
    settings = Settings(width=0.0625, batch_size=16, eval_points=2, eval_samples=60, final_samples=120)
    trial = Trial("began", "mnist", 0, Budget.parse("3steps"), settings)
    summary = run_trial(trial, tmp_path, CPU)
    assert summary["status"] == "completed"
    assert summary["extractor"] == "mnist-classifier" and summary["final"]["extractor"] == "mnist-classifier"
    assert set(summary["final"]["metrics"]) >= {"fid", "kid", "is", "precision", "recall"}
    assert summary["counters"]["images"] == 3 * 16
    assert (tmp_path / "samples.png").stat().st_size > 0


def test_a_checkpoint_from_another_configuration_is_refused(toy_trial, tmp_path):
    from benchbench.errors import UserError

    run_trial(toy_trial("wgan-gp", "10steps"), tmp_path, CPU)
    (tmp_path / "summary.json").unlink()
    other = toy_trial("wgan-gp", "10steps", gp_lambda=1.0)
    with pytest.raises(UserError, match="another configuration"):
        TrialRunner(other, tmp_path, CPU).run()


def test_every_point_records_flops_and_a_flop_budget_binds(toy_trial, tmp_path):
    by_steps = run_trial(toy_trial("wgan-gp", "20steps"), tmp_path / "steps", CPU)
    per_step = by_steps["flops_per_step"]
    assert by_steps["flops_method"] == "analytic" and per_step > 0
    assert by_steps["counters"]["flops"] == pytest.approx(20 * per_step)
    trajectory = pd.read_csv(tmp_path / "steps" / "trajectory.csv")
    # each point's FLOPs are its steps times the step's FLOPs
    assert list(trajectory["flops"]) == pytest.approx(list(trajectory["step"] * per_step))
    by_flops = run_trial(toy_trial("wgan-gp", f"{per_step * 12.5:g}flops"), tmp_path / "flops", CPU)
    assert by_flops["counters"]["steps"] == 13


def test_counting_flops_does_not_change_the_trial(toy_trial, tmp_path, monkeypatch):
    import benchbench.training.trainer as trainer

    counted = run_trial(toy_trial("began", "15steps"), tmp_path / "a", CPU)
    monkeypatch.setattr(trainer.TrialRunner, "_count_flops", lambda self, family, dataset: (0.0, "skipped"))
    uncounted = run_trial(toy_trial("began", "15steps"), tmp_path / "b", CPU)
    assert counted["final"]["metrics"] == uncounted["final"]["metrics"]


@pytest.fixture
def pixel_extractor():
    """A cheap stand-in for a second feature network (Inception on a CPU is too slow for a test)."""
    from torch_fidelity.feature_extractor_base import FeatureExtractorBase
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

    from benchbench.metrics.extractors import EXTRACTORS, ExtractorInfo

    class Pixels(FeatureExtractorBase):
        def __init__(self, name, features_list, **kwargs):
            super().__init__(name, features_list)

        @staticmethod
        def get_provided_features_list():
            return ("pixels",)

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return "pixels"

        def forward(self, x):
            return (torch.nn.functional.avg_pool2d(x.float(), 4).flatten(1),)

    info = ExtractorInfo(
        1, lambda: "pixels-v1", False, dict, "test only", resize_mode="avg-pool-4", fidelity_class=Pixels
    )
    EXTRACTORS.register("test-pixels")(info)  # one registration: torch-fidelity gets it from there
    yield "test-pixels"
    EXTRACTORS._entries.pop("test-pixels")
    FEATURE_EXTRACTORS_REGISTRY.pop("test-pixels")


def test_final_numbers_with_an_additional_extractor_stay_apart(tmp_path, pixel_extractor):
    from benchbench.report import load_runs, render_markdown

    settings = Settings(
        width=0.0625,
        batch_size=16,
        eval_points=1,
        eval_samples=40,
        final_samples=80,
        final_extractors=[pixel_extractor, "mnist-classifier"],
    )
    summary = run_trial(Trial("began", "mnist", 0, Budget.parse("2steps"), settings), tmp_path / "t", CPU)
    extra = summary["final_by_extractor"]
    assert list(extra) == [pixel_extractor]  # the primary extractor is not scored twice
    assert extra[pixel_extractor]["extractor_weights"] == "pixels-v1" and extra[pixel_extractor]["n_fake"] == 80
    assert "fid" in extra[pixel_extractor]["metrics"] and "is" not in extra[pixel_extractor]["metrics"]
    assert extra[pixel_extractor]["metrics"]["fid"] != summary["final"]["metrics"]["fid"]
    text = render_markdown(load_runs([tmp_path]))
    assert f"Also scored with `{pixel_extractor}` (weights pixels-v1)" in text
    # where the final scoring's seconds went, per feature space and per computation
    seconds = summary["scoring_seconds"]
    assert {"sampling", "family metrics", "final-only metrics", "floor"} <= set(seconds)
    space = seconds["mnist-classifier"]
    assert {"reference features", "features", "fid", "kid", "precision/recall", "density/coverage", "is"} <= set(space)
    assert {"loading the extractor", "features", "fid"} <= set(seconds[pixel_extractor])
    parts = [v for block in seconds.values() for v in (block.values() if isinstance(block, dict) else [block])]
    assert all(v >= 0 for v in parts) and sum(parts) <= summary["counters"]["final_seconds"]
    assert "Final scoring by part (mean per trial): " in text


def test_threshold_as_a_multiple_of_real_against_real(toy_trial, tmp_path):
    from benchbench.training.convergence import convergence

    rows = [
        {"step": 1, "kimg": 0.1, "train_seconds": 1.0, "flops": 10.0, "swd": 5.0},
        {"step": 2, "kimg": 0.2, "train_seconds": 2.0, "flops": 20.0, "swd": 1.0},
        {"step": 4, "kimg": 0.4, "train_seconds": 4.0, "flops": 40.0, "swd": 0.5},
    ]
    reached = convergence(rows, "swd", 1.5)
    assert (reached["seconds_to_threshold"], reached["kimg_to_threshold"], reached["flops_to_threshold"]) == (
        2.0,
        0.2,
        20.0,
    )
    assert convergence(rows, "swd", 0.1)["seconds_to_threshold"] is None
    trial = toy_trial("wgan-gp", "10steps")
    trial.settings.fid_threshold = "1000x"  # FID's setting: points are scored by SWD, so no threshold
    summary = run_trial(trial, tmp_path, CPU)
    assert summary["convergence"]["threshold_rule"] == "1000x" and summary["convergence"]["threshold"] is None
    assert summary["convergence"]["steps_to_threshold"] is None


def test_trial_files_are_readable_by_others_under_the_usual_umask(toy_trial, tmp_path):
    import os

    previous = os.umask(0o022)
    try:
        run_trial(toy_trial("wgan-gp", "4steps"), tmp_path, CPU)
    finally:
        os.umask(previous)
    modes = {path.name: path.stat().st_mode & 0o777 for path in tmp_path.iterdir()}
    assert modes["summary.json"] == modes["samples.png"] == modes["checkpoint.pt"] == 0o644


def test_points_train_on_one_thread_and_say_so(toy_trial, tmp_path):
    """Tiny 2-D nets gain nothing from intra-op threads, and extra threads beside a busy process
    make a run many times slower; the count is in the result."""
    summary = run_trial(toy_trial("wgan-gp", "4steps"), tmp_path, CPU, threads=2)
    assert summary["device"]["threads"] == 1


def test_omp_num_threads_caps_the_cores_a_trial_uses(monkeypatch):
    """On a machine shared with other jobs the user lowers the thread count the usual way."""
    import os

    from benchbench.environment import available_cores, threads_per_trial

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    uncapped = available_cores()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert available_cores() == 1 and threads_per_trial(1, "image") == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "not a number")
    assert available_cores() == uncapped


def test_logs_summed_on_the_device_equal_python_sums_of_every_step(toy_trial, tmp_path, monkeypatch):
    """Families leave their logs on the device and the trainer reads sums; the trajectory's log
    means are exactly what reading each step's values into Python floats gives."""
    from collections import Counter

    from benchbench.families.began import BEGAN

    seen, step = [], BEGAN.train_step

    def recording_step(self, real):
        logs = step(self, real)
        seen.append((id(self), {key: float(value) for key, value in logs.items()}))
        return logs

    monkeypatch.setattr(BEGAN, "train_step", recording_step)
    run_trial(toy_trial("began", "30steps"), tmp_path, CPU)
    trainer_family = Counter(owner for owner, _ in seen).most_common(1)[0][0]  # not FLOP counting's copy
    per_step = [logs for owner, logs in seen if owner == trainer_family]
    trajectory, previous = pd.read_csv(tmp_path / "trajectory.csv", float_precision="round_trip"), 0
    for _, row in trajectory.iterrows():
        steps = per_step[previous : int(row["step"])]
        for key in ("d_loss", "g_loss", "loss_real", "m_global", "k_t"):
            total = 0.0
            for logs in steps:
                total += logs[key]
            assert row[key] == total / len(steps)
        previous = int(row["step"])


@pytest.mark.slow  # end to end: starts processes (each imports torch and torch-fidelity, about 5 s)
def test_a_trial_ends_the_same_alone_or_beside_another(toy_trial, tmp_path):
    """Trials packed on one machine (jobs = 2) give bitwise the results they give alone on a CPU."""
    from benchbench.execution import run_local

    trials = [toy_trial("wgan-gp", "20steps", seed=s) for s in (0, 1)]
    alone = run_local(trials[:1], tmp_path / "alone", CPU, jobs=1)[0]
    packed = run_local(trials, tmp_path / "packed", CPU, jobs=2)[0]
    assert packed["device"]["trials_at_once"] == 2 and alone["device"]["trials_at_once"] == 1
    assert packed["final"]["metrics"] == alone["final"]["metrics"]


@pytest.mark.slow  # extracts MNIST's reference features, then reads them back
def test_a_trial_trains_the_same_whether_the_feature_cache_was_cold_or_warm(tmp_path, monkeypatch):
    """A cold cache makes one more feature pass, and torch's DataLoader seeds every pass from the
    global RNG: evaluation runs on a fork of it, so training never depends on what was cached
    (measured before the fork: FID 1154 vs 1136 for the same seed, one run after the other)."""
    import benchbench.metrics.evaluator as evaluator

    monkeypatch.setenv("BENCHBENCH_CACHE", str(tmp_path / "cache"))
    settings = Settings(batch_size=32, width=0.0625, eval_points=2, eval_samples=100, final_samples=100)
    trial = Trial("wgan-gp", "mnist", 0, Budget.parse("6steps"), settings)
    finals = []
    for name in ("cold", "warm"):
        evaluator._REFERENCE_FEATURES.clear()  # as in a fresh process
        evaluator._FLOORS.clear()
        finals.append(run_trial(trial, tmp_path / name, CPU)["final"]["metrics"])
    assert finals[0] == finals[1]


def test_a_threshold_applies_to_fid_only():
    from types import SimpleNamespace

    from benchbench.training.convergence import resolve_threshold

    def floor(n, split):
        return {"fid": 2.0, "swd": 0.02}

    fid = SimpleNamespace(primary="fid", floor=floor)
    assert resolve_threshold("150x", fid, None, 2000) == 300.0 and resolve_threshold(40.0, fid, None, 2000) == 40.0
    points = SimpleNamespace(primary="swd", floor=floor)  # "150x" of SWD is met at a first evaluation
    assert resolve_threshold("150x", points, None, 2000) is None and resolve_threshold(0.1, points, None, 1) is None
