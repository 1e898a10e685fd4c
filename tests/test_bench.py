import pytest
import torch

from benchbench.bench import BenchConfig, bench_family, harness_overhead
from benchbench.families.wgan_gp import WGANGP
from benchbench.nets import NetSpec
from benchbench.training.flops import forward_flops_per_sample, step_flops

CPU = torch.device("cpu")
TINY = BenchConfig(width=0.0625, batch_size=16, warmup=1, repeats=2, block=1)


def test_bench_reports_timing_throughput_and_flops():
    result = bench_family("began", "mnist", CPU, TINY)
    assert result["median_ms"] > 0 and result["p25_ms"] <= result["median_ms"] <= result["p75_ms"]
    assert result["real_images_per_iteration"] == 16
    assert result["flops_method"] == "counted" and result["flops_per_iteration"] > 0
    assert result["images_per_second"] > 0 and result["peak_memory_mb"] > 0


def test_wgan_gp_flops_are_analytic_and_scale_with_its_schedule():
    result = bench_family("wgan-gp", "8gaussians", CPU, TINY)
    assert result["flops_method"] == "analytic" and result["real_images_per_iteration"] == 5 * 16
    spec = NetSpec("mlp", (2,), 2, 0.125)
    real = torch.randn(16, 2)
    one, five = WGANGP(spec, {"n_critic": 1}, CPU), WGANGP(spec, {"n_critic": 5}, CPU)
    per_sample = forward_flops_per_sample(one, real)
    assert one.analytic_flops(per_sample, 32) == 2 * one.analytic_flops(per_sample, 16)
    g, d = per_sample["generator"], per_sample["critic"]
    # four more critic updates, each G forward + 6 D passes on real and fake + 9 for the penalty
    assert step_flops(five, real)[0] - step_flops(one, real)[0] == pytest.approx(4 * 16 * (g + 15 * d))


def test_harness_overhead_times_the_same_steps_in_both_loops(monkeypatch):
    """Both loops run the family's own step: the bare one warmup + steps times per run, the
    trainer's steps times per run (plus what it spends on counting FLOPs), two runs each."""
    from benchbench.families.began import BEGAN

    calls = []
    step = BEGAN.train_step
    monkeypatch.setattr(BEGAN, "train_step", lambda self, real: calls.append(1) or step(self, real))
    overhead = harness_overhead("began", "8gaussians", CPU, TINY, steps=5)
    bare_calls = 2 * (TINY.warmup + 5)
    assert len(calls) >= bare_calls + 2 * 5 and overhead["steps"] == 5
    assert overhead["bare_seconds"] > 0 and overhead["harness_seconds"] > 0


def test_mfu_is_the_steps_flops_per_second_over_the_named_peak(monkeypatch):
    """Against a fixed fake peak of 1 TFLOP/s, MFU is FLOPs per iteration over the median
    iteration time in seconds, over 1e12 (not a peak timed beside the step, which load shifts)."""
    import benchbench.bench.capacity as capacity

    monkeypatch.setattr(capacity, "peak_flops", lambda device, precision: (1e12, "fake: 1 TFLOP/s"))
    result = bench_family("began", "mnist", CPU, TINY)
    assert result["precision"] == "fp32" and result["peak_source"] == "fake: 1 TFLOP/s"
    by_hand = result["flops_per_iteration"] / (result["median_ms"] / 1000) / 1e12
    assert result["mfu"] == pytest.approx(by_hand) and result["peak_tflops"] == 1.0


@pytest.mark.slow  # two processes of their own
def test_packed_trials_run_in_their_own_processes():
    from benchbench.bench.capacity import packed

    result = packed("wgan-gp", "8gaussians", CPU, TINY, k=2, steps=3, trial_steps=100)
    assert result["trials_at_once"] == 2 and result["steps_each"] == 3 and result["steps_per_second"] > 0


def test_packed_rates_by_hand():
    """Two processes of 3 steps, done in 2 s and 4 s with 300 images each: the wall is 4 s, so
    6 steps / 4 s = 1.5 steps/s, 600 images / 4 s = 150 images/s, and 1.5 * 3600 / 100 = 54
    trials of 100 steps per hour."""
    from benchbench.bench.capacity import packed_rates

    rates = packed_rates([(2.0, 300), (4.0, 300)], steps=3, trial_steps=100)
    assert rates["steps_per_second"] == 1.5 and rates["images_per_second"] == 150.0
    assert rates["trials_per_device_hour"] == pytest.approx(54.0) and rates["trials_at_once"] == 2


def test_the_thread_study_compares_the_chosen_count_with_one_and_all_cores():
    from benchbench.bench.capacity import thread_study

    rows = thread_study("wgan-gp", "8gaussians", CPU, TINY, steps=2)
    assert len(rows) == 6 and {r["beside a busy process"] for r in rows} == {False, True}
    assert rows[0]["threads"] == "1 (chosen)"  # 2-D points: one thread
    assert all(r["ms_per_step"] > 0 for r in rows)
