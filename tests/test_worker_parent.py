"""A worker process ends when the run that started it is killed (a scheduler's SIGKILL, a CI
timeout, the OOM killer), instead of training on unseen beside a rerun that resumes its trial."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts and kills a run with a worker process: about 8 s

RUN = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
from benchbench.execution.workers import WorkerContext, watch_parent

pool = ProcessPoolExecutor(1, mp_context=WorkerContext(), initializer=watch_parent, initargs=(os.getpid(), 0.1))
worker = pool.submit(os.getpid).result()
pool.submit(time.sleep, 120)  # a long trial
open(sys.argv[1], "w").write(str(worker))
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    """Running, neither gone nor a zombie waiting for a reaper (this container's init may not reap)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_their_run_is_killed(tmp_path):
    pid_file = tmp_path / "worker"
    run = subprocess.Popen([sys.executable, "-c", RUN, str(pid_file)])
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        worker = int(pid_file.read_text())
        assert _alive(worker)
        run.send_signal(signal.SIGKILL)  # no chance to stop its pool
        run.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker)
    finally:
        run.kill()
        if pid_file.exists() and pid_file.read_text() and _alive(int(pid_file.read_text())):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
