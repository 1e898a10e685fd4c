"""Running a suite's trials and writing the run directory.

The local executor runs trials in this process (jobs = 1) or in `jobs` worker processes, each
with an equal share of the CPU threads, so concurrent trials see the same conditions. The Ray
executor makes each trial a Ray task. Either way finished trials are skipped and interrupted
ones resumed (the trainer does this), so rerunning a command continues a run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import torch

from benchbench.environment import threads_per_trial
from benchbench.errors import UserError
from benchbench.execution.workers import WorkerContext, watch_parent
from benchbench.results import SCHEMA_VERSION, read_json, write_json
from benchbench.suite import Suite
from benchbench.training import Trial, run_trial

Notify = Callable[[dict[str, Any]], None]


def check_run_dir(out: Path, suite: Suite, trials: list[Trial]) -> None:
    """Refuse, before any work and without writing, an output that cannot be written or that
    holds another run: a run must never rewrite another run's plan and drop its trials."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"cannot write to output directory {out}: {existing} is not a directory")
    if not os.access(existing, os.W_OK):
        raise UserError(f"cannot write to output directory {out}: permission denied")
    run_file = out / "run.json"
    if not run_file.exists():
        return
    try:
        previous = read_json(run_file)
    except (ValueError, OSError):
        raise UserError(f"{run_file} is corrupt; choose another --out or remove it") from None
    if not isinstance(previous, dict) or previous.get("schema_version") != SCHEMA_VERSION:
        version = previous.get("schema_version") if isinstance(previous, dict) else None
        raise UserError(f"{out} was written by schema {version}, this is {SCHEMA_VERSION}; choose another --out")
    if previous.get("trials") != planned_keys(suite, trials):
        raise UserError(
            f"{out} holds another run ({_difference(previous.get('suite') or {}, suite.describe())}); "
            "choose another --out, or remove it to start again"
        )


def prepare_run_dir(out: Path, suite: Suite, trials: list[Trial]) -> None:
    """Create a run directory, or reopen one that holds the same plan (a rerun resumes it);
    check_run_dir has refused one that holds another."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot write to output directory {out}: {error.strerror or error}") from None
    write_json(
        out / "run.json",
        {"schema_version": SCHEMA_VERSION, "suite": suite.describe(), "trials": planned_keys(suite, trials)},
    )


def planned_keys(suite: Suite, trials: list[Trial]) -> list[str]:
    """The run's trial folders: the trained trials', then each loaded generator's sampling seeds."""
    return [t.key for t in trials] + [key for entry in suite.loaded for key in entry.keys()]


def _difference(before: dict[str, Any], now: dict[str, Any]) -> str:
    """The first settings that differ between two suite descriptions, as one short phrase."""
    changed = []
    for key in sorted(set(before) | set(now)):
        if key in ("description",):
            continue
        a, b = before.get(key), now.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            changed += [
                f"{key}.{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)
            ]
        elif a != b:
            changed.append(f"{key}: {a!r} -> {b!r}")
    if not changed:
        return "the same suite under other benchbench defaults, so other trial names"
    return "; ".join(changed[:3]) + (f"; and {len(changed) - 3} more" if len(changed) > 3 else "")


def _run_one(
    trial: Trial, trial_dir: str, device: str, progress: str, threads: int | None = None, sharing: int = 1
) -> dict[str, Any]:
    return run_trial(trial, Path(trial_dir), torch.device(device), progress=progress, threads=threads, sharing=sharing)


def run_ray(
    trials: list[Trial],
    out: Path,
    device: torch.device,
    address: str | None = None,
    notify: Notify | None = None,
    trials_per_device: int = 1,
) -> list[dict[str, Any]]:
    """Each trial a Ray task asking for one CPU (and one GPU on CUDA); results land in `out`,
    which must be a folder every node can write (a shared filesystem) on a multi-node cluster."""
    try:
        import ray
    except ImportError:
        raise UserError("--executor ray needs Ray: pip install 'benchbench[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise UserError(f"cannot reach a Ray cluster at {address!r}: {error}") from None
    try:
        gpus = 1 / trials_per_device if device.type == "cuda" else 0  # Ray's fractional GPUs pack trials
        task = ray.remote(num_cpus=1, num_gpus=gpus)(_run_one)
        # how many trials share a device at once, as each result records it: a GPU's packing, or
        # on CPUs as many as the cluster has cores for (one each)
        cores = int(ray.cluster_resources().get("CPU", 1))
        sharing = trials_per_device if device.type == "cuda" else max(1, min(len(trials), cores))
        pending = {task.remote(t, str(out.resolve() / t.key), str(device), "off", 1, sharing): t for t in trials}
        summaries: dict[str, dict[str, Any]] = {}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                trial = pending.pop(ref)
                summaries[trial.key] = ray.get(ref)
                if notify:
                    notify(summaries[trial.key])
        return [summaries[t.key] for t in trials]
    finally:
        if started_here:
            ray.shutdown()


def run_local(
    trials: list[Trial],
    out: Path,
    device: torch.device,
    jobs: int = 1,
    progress: str = "off",
    notify: Notify | None = None,
) -> list[dict[str, Any]]:
    """Run trials; returns their summaries in plan order. `progress`: "bar", "lines" or "off"
    (several trials at once always report in lines: bars from several processes would collide)."""
    summaries: dict[str, dict[str, Any]] = {}
    jobs = max(1, min(jobs, len(trials)))
    # On a GPU, jobs > 1 packs that many trials on the device (one process each): a small GAN
    # leaves most of a GPU idle. Their timings then share the device, and each result says so.
    threads = threads_per_trial(jobs, "image")  # each trial's share of the cores; points use 1
    if jobs == 1:
        for trial in trials:
            summaries[trial.key] = run_trial(trial, out / trial.key, device, progress=progress, threads=threads)
            if notify:
                notify(summaries[trial.key])
    else:
        with ProcessPoolExecutor(
            jobs, mp_context=WorkerContext(), initializer=watch_parent, initargs=(os.getpid(),)
        ) as pool:
            mode = "off" if progress == "off" else "lines"
            futures = {pool.submit(_run_one, t, str(out / t.key), str(device), mode, threads, jobs): t for t in trials}
            for future in as_completed(futures):
                summaries[futures[future].key] = future.result()
                if notify:
                    notify(summaries[futures[future].key])
    return [summaries[t.key] for t in trials]
