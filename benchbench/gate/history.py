"""The history a repository keeps of its gate runs: one JSON file per run in a folder.

A folder of plain files rather than one file or an embedded database: two CI jobs that record
at once write two files under unique names (temporary file, then rename), so neither can lose
the other's record and no lock is needed; in git, each run is one added file, which merges
without conflict and shows in a diff as what it is. One folder holds one suite on one machine
kind, since quality and speed are only comparable within them; a record of another is refused.

A record holds the commit (and its time, when git knows it), when it was recorded, the machine,
the suite, and per experiment (the baseline's entries) every seed's value of each gated metric.
Records are ordered by commit time, then by when they were recorded.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from benchbench.errors import UserError
from benchbench.gate.baseline import GATE_VERSION, key_of, make_baseline, read_baseline
from benchbench.results import read_json
from benchbench.results.io import atomic_write_text

HISTORY_VERSION = 1


def run_identity(run_dir: Path, runs: pd.DataFrame) -> tuple[str, str]:
    """(suite name, machine kind) of a run: the suite as run.json names it, the machine as its
    trials recorded their device (the CPU or GPU model and thread count)."""
    try:
        suite = str(read_json(run_dir / "run.json")["suite"]["name"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"{run_dir} has no readable run.json naming its suite: not a benchbench run") from None
    devices = runs["device"].dropna().unique().tolist() if "device" in runs else []
    return suite, (devices[0] if len(devices) == 1 else "mixed machines")


def current_commit(cwd: Path | None = None) -> tuple[str, str | None]:
    """(commit, its committer time) from CI's variables or git; ("unknown", None) without either."""
    commit = os.environ.get("GITHUB_SHA") or os.environ.get("CI_COMMIT_SHA") or _git("rev-parse", "HEAD", cwd=cwd)
    if not commit:
        return "unknown", None
    return commit, _git("show", "-s", "--format=%cI", commit, cwd=cwd)


def _git(*args: str, cwd: Path | None = None) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


@dataclass(frozen=True)
class Record:
    path: Path
    data: dict[str, Any]

    @property
    def order(self) -> tuple[str, str]:
        return (self.data.get("commit_time") or self.data["recorded"], self.data["recorded"])

    @property
    def commit(self) -> str:
        return str(self.data["commit"])

    @property
    def entries(self) -> list[dict[str, Any]]:
        return self.data["entries"]


@dataclass
class History:
    folder: Path
    records: list[Record]

    @classmethod
    def open(cls, folder: Path, must_exist: bool = True) -> History:
        """Every record in the folder, in order; a file that is not a record is refused naming it."""
        if not folder.is_dir():
            if must_exist:
                raise UserError(f"history folder {folder} does not exist (benchbench history add creates it)")
            return cls(folder, [])
        records = [_read_record(path) for path in sorted(folder.glob("*.json"))]
        history = cls(folder, sorted(records, key=lambda r: r.order))
        kinds = {(r.data["suite"], r.data["machine"]) for r in records}
        if len(kinds) > 1:
            shown = "; ".join(f"{s} on {m}" for s, m in sorted(kinds))
            raise UserError(f"history {folder} mixes suites or machine kinds ({shown}): keep one per folder")
        return history

    @property
    def identity(self) -> tuple[str, str] | None:
        return (self.records[0].data["suite"], self.records[0].data["machine"]) if self.records else None

    def check_identity(self, suite: str, machine: str) -> None:
        if self.identity is not None and self.identity != (suite, machine):
            raise UserError(
                f"history {self.folder} holds suite {self.identity[0]!r} on {self.identity[1]!r}, not "
                f"{suite!r} on {machine!r}: another suite or machine kind belongs in another folder"
            )

    def add(self, run_dir: Path, runs: pd.DataFrame, commit: str, commit_time: str | None, machine: str | None) -> Path:
        """Record a run; the record's file name is unique, so concurrent jobs never collide."""
        suite, hardware = run_identity(run_dir, runs)
        machine = machine or hardware
        self.check_identity(suite, machine)
        baseline = make_baseline(runs, allow_one_seed=True)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = {
            "history_version": HISTORY_VERSION,
            "gate_version": GATE_VERSION,
            "suite": suite,
            "machine": machine,
            "hardware": hardware,
            "commit": commit,
            "commit_time": commit_time,
            "recorded": now,
            "run_dir": str(run_dir),
            "entries": baseline["entries"],
        }
        slug = re.sub(r"[^A-Za-z0-9]+", "-", machine).strip("-")[:40] or "machine"
        path = self.folder / f"{now.replace(':', '')}-{commit[:12]}-{slug}-{secrets.token_hex(3)}.json"
        atomic_write_text(path, json.dumps(record, indent=1, sort_keys=True, default=str) + "\n")
        self.records = sorted([*self.records, Record(path, record)], key=lambda r: r.order)
        return path

    def recent_baseline(self, suite: str, machine: str, window: int) -> tuple[dict[str, Any], int]:
        """A baseline pooling every seed of the latest `window` records per experiment, stopping at
        the experiment's last change point (a level before it is not today's level)."""
        if not self.records:
            raise UserError(f"history {self.folder} has no records yet (benchbench history add RUN_DIR)")
        self.check_identity(suite, machine)
        from benchbench.gate.changes import last_change_index

        entries, used = [], 0
        for newest in read_baseline(self.records[-1].data):  # the experiments of the latest record
            key = key_of(newest)
            series = [e for r in self.records for e in read_baseline(r.data) if key_of(e) == key]
            # the records since the configuration last changed, the window and the last change point
            same = len(series)
            while same > 0 and series[same - 1].get("config_hash") == newest.get("config_hash"):
                same -= 1
            start = max(len(series) - window, last_change_index(series), same)
            pooled = series[start:]
            used = max(used, len(pooled))
            entries.append(_pooled(newest, pooled))
        return {"gate_version": GATE_VERSION, "entries": entries}, used


def _pooled(newest: dict[str, Any], series: list[dict[str, Any]]) -> dict[str, Any]:
    """One baseline entry from several records' entries: their seeds together."""
    metrics: dict[str, dict[str, Any]] = {}
    for entry in series:
        for column, stats in entry["metrics"].items():
            metrics.setdefault(column, []).extend(stats.get("values") or [stats["mean"]] * int(stats["n"]))
    import numpy as np

    pooled = {
        column: {
            "mean": float(np.mean(values)),
            "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
            "n": len(values),
            "values": values,
        }
        for column, values in metrics.items()
    }
    return newest | {
        "metrics": pooled,
        "seeds": sum(e["seeds"] for e in series),
        "completed": sum(e["completed"] for e in series),
        "untoleranced": sum(e["completed"] for e in series) < 2,
    }


def _read_record(path: Path) -> Record:
    try:
        data = read_json(path)
    except (ValueError, UnicodeDecodeError):
        raise UserError(f"history record {path} is corrupt (not valid JSON): remove or restore it") from None
    required = ("suite", "machine", "commit", "recorded", "entries")
    if (
        not isinstance(data, dict)
        or data.get("history_version") != HISTORY_VERSION
        or any(k not in data for k in required)
    ):
        raise UserError(f"history record {path} is not a benchbench history record (history_version {HISTORY_VERSION})")
    try:
        read_baseline(data)
    except UserError as error:
        raise UserError(f"history record {path} is corrupt: {error}") from None
    return Record(path, data)
