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


def test_harness_overhead_is_measured_against_a_bare_loop():
    overhead = harness_overhead("began", "8gaussians", CPU, TINY, steps=5)
    assert overhead["bare_seconds"] > 0 and overhead["harness_seconds"] > 0
    assert overhead["ratio"] == overhead["harness_seconds"] / overhead["bare_seconds"]


def test_mfu_is_achieved_over_a_named_peak():
    result = bench_family("began", "mnist", CPU, TINY)
    assert result["precision"] == "fp32" and result["peak_source"].startswith("measured")
    assert result["mfu"] == pytest.approx(result["achieved_tflops"] / result["peak_tflops"])
    assert 0 < result["mfu"] < 1.5  # a step is no faster than a large matrix product, give or take noise


def test_packed_trials_report_trials_per_device_hour():
    from benchbench.bench.capacity import packed

    result = packed("wgan-gp", "8gaussians", CPU, TINY, k=2, steps=3, trial_steps=100)
    assert result["trials_at_once"] == 2 and result["steps_per_second"] > 0
    assert result["trials_per_device_hour"] == pytest.approx(3600 * result["steps_per_second"] / 100)


def test_the_thread_study_compares_the_chosen_count_with_one_and_all_cores():
    from benchbench.bench.capacity import thread_study

    rows = thread_study("wgan-gp", "8gaussians", CPU, TINY, steps=2)
    assert len(rows) == 6 and {r["beside a busy process"] for r in rows} == {False, True}
    assert rows[0]["threads"] == "1 (chosen)"  # 2-D points: one thread
    assert all(r["ms_per_step"] > 0 for r in rows)
