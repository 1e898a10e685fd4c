"""Where a result came from: software versions and the device, recorded with every trial."""

from __future__ import annotations

import math
import os
import platform
from pathlib import Path
from typing import Any

import torch
import torch_fidelity

from benchbench.errors import UserError
from benchbench.version import METRICS_VERSION, __version__


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError("--device cuda was asked for, but CUDA is not available here")
    if name != "cpu" and not name.startswith("cuda"):
        raise UserError(f"unknown device {name!r}: use auto, cpu or cuda")
    return torch.device(name)


def available_cores() -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup v2 CPU quota (a
    container limited to 2 CPUs on a 64-core host must not start 64 threads) and by
    OMP_NUM_THREADS where set."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.floor(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    # a thread count the user set for OpenMP is a cap too, as it is for torch itself
    limit = os.environ.get("OMP_NUM_THREADS", "")
    if limit.isdigit() and int(limit) > 0:
        cores = min(cores, int(limit))
    return max(1, cores)


def threads_per_trial(jobs: int, data_kind: str) -> int:
    """torch intra-op threads for one of `jobs` concurrent trials. A share of the cores, so that
    trials never wait on each other's threads (oversubscribed threads spin and can make a run
    tens of times slower); one for 2-D points, whose tiny matrices gain nothing from threads."""
    if data_kind == "points":
        return 1
    return max(1, available_cores() // max(1, jobs))


def versions() -> dict[str, str]:
    return {
        "benchbench": __version__,
        "benchbench_metrics": METRICS_VERSION,
        "torch": torch.__version__,
        "torch_fidelity": torch_fidelity.__version__,
        "python": platform.python_version(),
    }


def device_info(device: torch.device) -> dict[str, Any]:
    info: dict[str, Any] = {"type": device.type, "threads": torch.get_num_threads(), "machine": platform.machine()}
    if device.type == "cuda":
        info["name"] = torch.cuda.get_device_name(device)
    else:
        info["name"] = _cpu_name()
    return info


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
