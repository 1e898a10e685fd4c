"""Throughput of one full training iteration per family, and the harness's own overhead.

Warm-up iterations are excluded; timing is repeated in blocks and reported as median and
quartiles per iteration (CUDA events on a GPU, perf_counter on a CPU). An iteration is one
`train_step`: all discriminator and generator updates, real batches drawn and moved included.
GPU options (channels_last, bf16 autocast, torch.compile, CUDA graphs through compile's
"reduce-overhead" mode) are applied to the networks and measured like anything else.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

import benchbench.training.speed as speed
from benchbench.bench.setup import BenchConfig, setup_trial
from benchbench.environment import device_info, versions
from benchbench.errors import one_line
from benchbench.families import Family
from benchbench.training import Budget, Settings, Trial, run_trial
from benchbench.training.flops import step_flops


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = (len(ordered) - 1) * q
    low, high = int(index), min(int(index) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def time_iterations(step: Callable[[], Any], device: torch.device, config: BenchConfig) -> list[float]:
    """Seconds per iteration, one value per timed block of `config.block` iterations."""
    for _ in range(config.warmup):
        step()
    times = []
    for _ in range(config.repeats):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(config.block):
                step()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1000 / config.block)
        else:
            started = time.perf_counter()
            for _ in range(config.block):
                step()
            times.append((time.perf_counter() - started) / config.block)
    return times


def _apply_gpu_options(family: Family, config: BenchConfig, image_data: bool) -> Callable[..., Any]:
    """The family's step with the trainer's step settings applied, then torch.compile if asked."""
    step = speed.apply(family, config.step_settings(), family.device, image_data)
    if config.compile:
        for attribute, value in list(vars(family).items()):
            if isinstance(value, torch.nn.Module):
                setattr(family, attribute, torch.compile(value, mode=config.compile))
    return step


def _utilisation(achieved: float, device: torch.device, precision: str) -> dict[str, Any]:
    """MFU: achieved FLOP/s over the device's peak at the step's precision (bench/capacity.py)."""
    from benchbench.bench.capacity import peak_flops

    peak, source = peak_flops(device, precision)
    return {"precision": precision, "peak_tflops": peak / 1e12, "peak_source": source, "mfu": achieved / peak}


def bench_family(family_name: str, dataset: str, device: torch.device, config: BenchConfig) -> dict[str, Any]:
    data, family, real, drawn = setup_trial(family_name, dataset, device, config)
    result: dict[str, Any] = {
        "family": family_name,
        "dataset": dataset,
        "device": device_info(device),
        "config": asdict(config),
    }
    flops, method = step_flops(family, real())  # on the plain networks, before any compilation
    step = _apply_gpu_options(family, config, data.kind == "image")
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    try:
        before = drawn[0]
        step(real)
        images_per_iteration = drawn[0] - before
        times = time_iterations(lambda: step(real), device, config)
    except Exception as error:  # an option this family's step cannot take (e.g. compile + double backward)
        return result | {"error": one_line(error, 300)}
    median = statistics.median(times)
    return result | {
        "median_ms": median * 1000,
        "p25_ms": _percentile(times, 0.25) * 1000,
        "p75_ms": _percentile(times, 0.75) * 1000,
        "blocks": len(times),
        "iterations_per_block": config.block,
        "real_images_per_iteration": images_per_iteration,
        "images_per_second": images_per_iteration / median,
        "flops_per_iteration": flops,
        "flops_method": method,
        "achieved_tflops": flops / median / 1e12,
        **_utilisation(flops / median, device, "bf16" if config.bf16 else ("tf32" if config.tf32 else "fp32")),
        "peak_memory_mb": (
            torch.cuda.max_memory_allocated(device)
            if device.type == "cuda"
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        )
        / 2**20,
    }


def harness_overhead(
    family_name: str, dataset: str, device: torch.device, config: BenchConfig, steps: int = 60
) -> dict[str, Any]:
    """The trainer's loop against a bare loop calling the family's step, same steps: what the
    harness adds (budget accounting, log accumulation, the divergence check, progress)."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda *a: None)

    def bare_run() -> float:
        _, family, real, _ = setup_trial(family_name, dataset, device, config)

        def bare_step() -> None:
            family.train_step(real)

        for _ in range(config.warmup):
            bare_step()
        sync()
        started = time.perf_counter()
        for _ in range(steps):
            bare_step()
        sync()
        return time.perf_counter() - started

    def harness_run() -> float:
        settings = Settings(
            width=config.width,
            batch_size=config.batch_size,
            g_norm=config.g_norm,
            eval_points=1,
            eval_samples=16,
            final_samples=16,
            checkpoint_seconds=1e9,
        )
        trial = Trial(family_name, dataset, 0, Budget.parse(f"{steps}steps"), settings)
        with tempfile.TemporaryDirectory() as folder:
            return run_trial(trial, Path(folder), device)["counters"]["loop_seconds"]

    # Alternate and keep the best of two: warm-up and other load then hit both alike.
    bare, harness = min(bare_run(), bare_run()), min(harness_run(), harness_run())
    return {
        "family": family_name,
        "dataset": dataset,
        "steps": steps,
        "bare_seconds": bare,
        "harness_seconds": harness,
        "ratio": harness / bare,
    }


def gpu_variants() -> dict[str, dict[str, Any]]:
    """The option sets `benchbench bench --gpu-options` measures, each against the plain run."""
    return {
        "plain": {},
        "channels_last": {"channels_last": True},
        "bf16": {"bf16": True},
        "fused_adam": {"optimizer_impl": "fused"},
        "tf32": {"tf32": True},
        "compile": {"compile": "default"},
        "cuda_graphs": {"compile": "reduce-overhead"},
        "all": {"channels_last": True, "bf16": True, "optimizer_impl": "fused", "tf32": True, "compile": "default"},
    }


def run_bench(
    families: list[str],
    datasets: list[str],
    device: torch.device,
    config: BenchConfig,
    variants: dict[str, dict[str, Any]],
    overhead_steps: int | None,
    packed_k: tuple[int, ...] = (),
    packed_steps: int = 30,
    trial_steps: int = 1000,
    threads_study: bool = False,
) -> dict[str, Any]:
    from benchbench.bench.capacity import packed, thread_study

    results, overheads, packing, threads = [], [], [], []
    for dataset in datasets:
        for family in families:
            for variant, options in variants.items():
                measured = bench_family(family, dataset, device, BenchConfig(**{**asdict(config), **options}))
                results.append({"variant": variant, **measured})
            if overhead_steps:
                overheads.append(harness_overhead(family, dataset, device, config, overhead_steps))
            packing += [packed(family, dataset, device, config, k, packed_steps, trial_steps) for k in packed_k]
            if threads_study and device.type == "cpu":
                threads += thread_study(family, dataset, device, config)
    return {
        "versions": versions(),
        "device": device_info(device),
        "results": results,
        "overhead": overheads,
        "packed": packing,
        "threads": threads,
    }
