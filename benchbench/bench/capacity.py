"""How much of a device a family's step uses, and how many trials one device can carry.

MFU: achieved FLOP/s over the device's peak at the precision the step runs in. Peaks come from
the vendors' datasheets for known GPUs (dense, no sparsity; SXM parts) and, for anything else
(a CPU), from a timed matrix product at that precision on this machine, named as measured.

Packed trials: K processes each train the same family on one device at once, as
`jobs = K` does in a suite; the steps per second of all K together give trials per device-hour.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import torch

# name fragment -> peak FLOP/s by precision
DATASHEET_PEAKS = {
    "H200": {"fp32": 67e12, "tf32": 494.7e12, "bf16": 989.4e12},
    "H100": {"fp32": 67e12, "tf32": 494.7e12, "bf16": 989.4e12},
    "A100": {"fp32": 19.5e12, "tf32": 156e12, "bf16": 312e12},
    "L4": {"fp32": 30.3e12, "tf32": 60e12, "bf16": 121e12},
}
_MEASURED: dict[tuple[str, str], float] = {}


def peak_flops(device: torch.device, precision: str) -> tuple[float, str]:
    """(peak FLOP/s, where the number comes from) for `precision` in fp32, tf32, bf16."""
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        for fragment, peaks in DATASHEET_PEAKS.items():
            if fragment in name:
                return peaks[precision], f"datasheet ({fragment})"
    key = (str(device), precision)
    if key not in _MEASURED:
        _MEASURED[key] = _matmul_flops(device, torch.bfloat16 if precision == "bf16" else torch.float32)
    return _MEASURED[key], "measured (matrix product)"


def _matmul_flops(device: torch.device, dtype: torch.dtype, size: int = 1024, repeats: int = 10) -> float:
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    a @ b  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return 2 * size**3 * repeats / (time.perf_counter() - started)


def _packed_worker(family: str, dataset: str, device: str, config: Any, steps: int, barrier: Any) -> tuple[float, int]:
    from benchbench.bench.setup import setup_trial

    if device == "cpu":
        torch.set_num_threads(1)  # K processes share the cores: no thread oversubscription
    _, built, real, drawn = setup_trial(family, dataset, torch.device(device), config)
    for _ in range(config.warmup):
        built.train_step(real)
    barrier.wait()
    before, started = drawn[0], time.perf_counter()
    for _ in range(steps):
        built.train_step(real)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - started, drawn[0] - before


def packed(
    family: str, dataset: str, device: torch.device, config: Any, k: int, steps: int, trial_steps: int
) -> dict[str, Any]:
    """K processes training `family` at once on `device`, `steps` timed steps each."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(k)
    with context.Pool(k) as pool:
        results = pool.starmap(_packed_worker, [(family, dataset, str(device), config, steps, barrier)] * k)
    return {"family": family, "dataset": dataset} | packed_rates(results, steps, trial_steps)


def packed_rates(results: list[tuple[float, int]], steps: int, trial_steps: int) -> dict[str, Any]:
    """Rates of k processes that each timed `steps` steps: (seconds, images) per process. The
    slowest process bounds the wall time; a trial of `trial_steps` steps sets trials per hour."""
    k = len(results)
    wall = max(seconds for seconds, _ in results)
    images = sum(count for _, count in results)
    return {
        "trials_at_once": k,
        "steps_each": steps,
        "steps_per_second": k * steps / wall,
        "images_per_second": images / wall,
        "trials_per_device_hour": 3600 * k * steps / wall / trial_steps,
        "trial_steps": trial_steps,
    }


def _busy() -> None:  # one core's worth of work, as another user's job would be
    while True:
        pass


def thread_study(family: str, dataset: str, device: torch.device, config: Any, steps: int = 20) -> list[dict[str, Any]]:
    """Seconds per step with the thread count a trial would get (environment.threads_per_trial),
    with 1 thread and with every core, each alone and beside one busy single-threaded process."""
    from benchbench.bench.setup import setup_trial
    from benchbench.environment import available_cores, threads_per_trial

    data, built, real, _ = setup_trial(family, dataset, device, config)
    chosen = threads_per_trial(1, data.kind)
    counts = {"chosen": chosen, "one": 1, "all cores": available_cores()}
    rows, previous = [], torch.get_num_threads()
    for busy in (False, True):
        worker = multiprocessing.get_context("spawn").Process(target=_busy, daemon=True) if busy else None
        if worker:
            worker.start()
        try:
            for name, threads in counts.items():
                torch.set_num_threads(threads)
                built.train_step(real)  # warm-up at this thread count
                started = time.perf_counter()
                for _ in range(steps):
                    built.train_step(real)
                rows.append(
                    {
                        "family": family,
                        "threads": f"{threads} ({name})",
                        "beside a busy process": busy,
                        "ms_per_step": 1000 * (time.perf_counter() - started) / steps,
                    }
                )
        finally:
            if worker:
                worker.terminate()
                worker.join()
    torch.set_num_threads(previous)
    return rows
