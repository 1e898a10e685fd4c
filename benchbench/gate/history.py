"""The history a repository keeps of its gate runs: one JSON file per run in a folder of the
record store (results/store.py, shared with leaderboards). This module stores and reads records
only: results/commits.py says which commit a run was made at, gate/pool.py makes a baseline of
the records, gate/changes.py finds where a level moved, gate/pages.py draws them.

Records get unique names (a rerun of one commit is another record). One folder holds one suite on one machine
kind (a label such as "gh-ubuntu-latest", or the CPU model and threads), since quality is only
comparable within them; each record also keeps the hardware it ran on, and speed is compared
only within one hardware.

A record holds the run's content hash (so that a check never counts the run it is checking),
the commit and its time, when it was recorded (both as UTC), the machine label and hardware,
the suite, and per experiment (the baseline's entries) every seed's value of each gated metric
with its seed. A commit whose trials all failed is recorded too, as the regression it is.
Records are ordered by commit time, then by when they were recorded.

A new level after a regression is adopted only once a user accepts it: `history accept` writes
a file into the folder's `accepted/`, naming the commit.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from benchbench.errors import UserError
from benchbench.gate.baseline import GATE_VERSION, gated_columns, make_baseline, read_baseline
from benchbench.results import read_json
from benchbench.results.commits import moment, utc
from benchbench.results.io import atomic_write_text
from benchbench.results.store import read_records, write_unique

HISTORY_VERSION = 1
ACCEPTED = "accepted"  # the folder's subfolder of accepted levels, one file each


def run_identity(run_dir: Path, runs: pd.DataFrame) -> tuple[str, str]:
    """(suite name, hardware) of a run: the suite as run.json names it, the hardware as its
    trials recorded their device (the CPU or GPU model and thread count)."""
    try:
        suite = str(read_json(run_dir / "run.json")["suite"]["name"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"{run_dir} has no readable run.json naming its suite: not a benchbench run") from None
    devices = runs["device"].dropna().unique().tolist() if "device" in runs else []
    return suite, (devices[0] if len(devices) == 1 else "mixed machines")


def run_hash(runs: pd.DataFrame) -> str:
    """A content hash of a run's results (each trial's seed, status, gated values and timings):
    the same run recorded or checked from any path has the same hash; a rerun of the same code
    and seeds, whose quality replays exactly on a CPU, still differs in its timings."""
    columns = [c for c in ("entry", "family", "variant", "dataset", "budget", "seed", "status") if c in runs]
    columns += [c for c in (*gated_columns(), "images_per_second", "train_seconds") if c in runs]
    rows = sorted(json.dumps([str(v) for v in row], default=str) for row in runs[columns].itertuples(index=False))
    return "sha256:" + hashlib.sha256("\n".join([",".join(columns), *rows]).encode()).hexdigest()


@dataclass(frozen=True)
class Record:
    path: Path
    data: dict[str, Any]

    @property
    def order(self) -> tuple[datetime, datetime]:
        recorded = moment(self.data["recorded"]) or datetime.min.replace(tzinfo=UTC)
        return (moment(self.data.get("commit_time")) or recorded, recorded)

    @property
    def commit(self) -> str:
        return str(self.data["commit"])

    @cached_property
    def entries(self) -> list[dict[str, Any]]:
        """Its experiments, read once (the pool, the change points and the page read them often)."""
        return read_baseline(self.data, allow_lost=True)

    @property
    def hardware(self) -> str | None:
        return self.data.get("hardware")


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
        records = [Record(path, data) for path, data in read_records(folder, _check_record)]
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
            hint = (
                f" (give --machine {self.identity[1]!r} if this run is of that kind)"
                if suite == self.identity[0]
                else ""
            )
            raise UserError(
                f"history {self.folder} holds suite {self.identity[0]!r} on {self.identity[1]!r}, not "
                f"{suite!r} on {machine!r}: another suite or machine kind belongs in another folder{hint}"
            )

    def add(self, run_dir: Path, runs: pd.DataFrame, commit: str, commit_time: str | None, machine: str | None) -> Path:
        """Record a run; the record's file name is unique, so concurrent jobs never collide."""
        suite, hardware = run_identity(run_dir, runs)
        machine = machine or hardware
        self.check_identity(suite, machine)
        baseline = make_baseline(runs, allow_one_seed=True, allow_lost=True)
        now = datetime.now(UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ"
        )  # microseconds: records of one second keep their order
        record = {
            "history_version": HISTORY_VERSION,
            "gate_version": GATE_VERSION,
            "suite": suite,
            "machine": machine,
            "hardware": hardware,
            "run": run_hash(runs),
            "commit": commit,
            "commit_time": utc(commit_time),
            "recorded": now,
            "run_dir": str(run_dir),
            "entries": baseline["entries"],
        }
        slug = re.sub(r"[^A-Za-z0-9]+", "-", machine).strip("-")[:40] or "machine"
        path = write_unique(self.folder, f"{now[:19].replace(':', '')}Z-{commit[:12]}-{slug}", record)
        self.records = sorted([*self.records, Record(path, record)], key=lambda r: r.order)
        return path

    def before(self, run: str) -> list[Record]:
        """The records strictly before a run: those before its own record, if it has one (it is
        never its own baseline), else all (the run is newer than every record)."""
        own = next((i for i, r in enumerate(self.records) if r.data.get("run") == run), None)
        return self.records if own is None else self.records[:own]

    def accepted(self) -> set[str]:
        """Commits whose new levels a user accepted (history accept)."""
        found = set()
        for path in sorted((self.folder / ACCEPTED).glob("*.json")):
            try:
                found.add(str(read_json(path)["commit"]))
            except (OSError, ValueError, KeyError, TypeError):
                raise UserError(f"accepted level {path} is corrupt: remove or restore it") from None
        return found

    def accept(self, commit: str, reason: str) -> Path:
        """Accept the levels that changed first at `commit` (a prefix of it will do)."""
        matches = {r.commit for r in self.records if r.commit.startswith(commit)}
        if len(matches) != 1:
            found = "no record" if not matches else f"{len(matches)} commits"
            raise UserError(f"commit {commit!r} names {found} in history {self.folder}: give the commit a change names")
        (full,) = matches
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        path = self.folder / ACCEPTED / f"{full[:12]}-{secrets.token_hex(3)}.json"
        atomic_write_text(path, json.dumps({"commit": full, "reason": reason, "accepted": now}, indent=1) + "\n")
        return path


def _check_record(path: Path, data: Any) -> None:
    required = ("suite", "machine", "commit", "recorded", "entries")
    if (
        not isinstance(data, dict)
        or data.get("history_version") != HISTORY_VERSION
        or any(k not in data for k in required)
    ):
        raise UserError(f"history record {path} is not a benchbench history record (history_version {HISTORY_VERSION})")
    try:
        read_baseline(data, allow_lost=True)
    except UserError as error:
        raise UserError(f"history record {path} is corrupt: {error}") from None
