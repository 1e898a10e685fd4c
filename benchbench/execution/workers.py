"""Worker processes that never import the caller's main module, and that stop with their parent.

A spawned worker normally re-imports `__main__` before it runs anything (multiprocessing's
"safe importing of main module" rule). For benchbench that is always wrong: a script that calls
`benchbench.run(...)` without an `if __name__ == "__main__":` guard would start the run again in
every worker, and a program read from standard input (`python - <<EOF`) has no file to
re-import, so the pool breaks (BrokenProcessPool). Trials and the worker function are
benchbench's own (a family defined in `__main__` already runs in the calling process, api.py),
so the workers are started with the main module hidden: nothing of the caller's is imported.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any


@contextlib.contextmanager
def main_module_hidden() -> Iterator[None]:
    """While a worker is launched, `__main__` shows neither a file nor a module spec, which is
    what multiprocessing reads to decide what a new process imports first."""
    main = sys.modules.get("__main__")
    missing = object()
    saved = {name: getattr(main, name, missing) for name in ("__file__", "__spec__")}
    try:
        if main is not None:
            main.__spec__ = None
            if saved["__file__"] is not missing:
                del main.__file__
        yield
    finally:
        if main is not None:
            for name, value in saved.items():
                if value is missing:
                    with contextlib.suppress(AttributeError):
                        delattr(main, name)
                else:
                    setattr(main, name, value)


class _WorkerProcess(SpawnProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        with main_module_hidden():  # the launch reads __main__ synchronously, here
            return SpawnProcess._Popen(process_obj)


class WorkerContext(SpawnContext):
    """multiprocessing's spawn context, whose processes never import the caller's main module."""

    Process = _WorkerProcess


def watch_parent(parent: int, every: float = 1.0) -> None:
    """A worker's initializer: when its parent is gone (killed by a scheduler, a timeout or the OOM
    killer, which leaves no chance to stop the pool), the worker ends itself too. Left running it
    would train on unseen and race a rerun that resumes the same trials; ended, it loses only what
    followed its trial's last checkpoint (results are written atomically)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="benchbench-parent-watch", daemon=True).start()


def jobs_for(trials: list[Any], jobs: int, executor: str, say: Callable[[str], None]) -> int:
    """The suite's jobs, or 1 when a family, dataset or extractor exists in this process only (a
    script registered it at run time): worker processes would not find it."""
    from benchbench.datasets import DATASETS
    from benchbench.errors import UserError
    from benchbench.families import FAMILIES
    from benchbench.metrics.extractors import EXTRACTORS

    wanted = [(FAMILIES, "family", t.family) for t in trials] + [(DATASETS, "dataset", t.dataset) for t in trials]
    for trial in trials:
        names = [trial.settings.extractor, *(trial.settings.final_extractors or [])]
        wanted += [(EXTRACTORS, "extractor", name) for name in names if name and name in EXTRACTORS]
    here_only = sorted({f"{kind} {name!r}" for registry, kind, name in wanted if not registry.in_new_process(name)})
    if not here_only or (jobs <= 1 and executor == "local"):
        return jobs
    if executor != "local":
        raise UserError(
            f"{', '.join(here_only)} registered in this process only, which {executor} workers cannot see: "
            "declare it as an entry point of an installed package, or name it as module:Name"
        )
    say(
        f"{', '.join(here_only)} registered in this process only (worker processes would not find it): "
        f"its trials run here, one at a time, instead of {jobs} at once"
    )
    return 1
