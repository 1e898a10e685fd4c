"""A leaderboard's records: one immutable JSON file per added run, named by its content's hash.

A record keeps what a board needs when the run directory is long gone: every trial's row (the
report's flat row: identity, status, final metrics and their provenance, counters, versions,
device), its validation curve, and where it came from (the run folder, the commit, the machine,
when it was added). Sample grids are copied beside it (`assets/`). The hash covers the trials
and the suite, not the time or path of the adding, so adding the same run twice changes nothing.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchbench.errors import UserError
from benchbench.results import read_json
from benchbench.results.store import content_hash, read_records, write_once

BOARD_VERSION = 1
RECORDS, ASSETS = "records", "assets"
CURVE_COLUMNS = ("step", "kimg", "seconds", "train_seconds")


@dataclass(frozen=True)
class BoardRecord:
    path: Path
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return self.path.stem


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _curve(trial_dir: str | None, primary: str | None) -> list[dict[str, Any]]:
    from benchbench.report.load import read_trajectory

    frame = read_trajectory(trial_dir)
    if frame is None or not primary or primary not in frame:
        return []
    columns = [c for c in (*CURVE_COLUMNS, primary) if c in frame]
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame[columns].to_dict("records")]


def record_of_run(run_dir: Path, commit: str | None = None, machine: str | None = None) -> tuple[dict[str, Any], dict]:
    """(the record of a finished run, {trial key: its sample grid file}); a run still in progress
    or unreadable is refused in one line."""
    from benchbench.report.load import load_runs, planned_trials, trial_summaries

    planned, finished = planned_trials([run_dir]), len(trial_summaries(run_dir))
    if planned is not None and finished < planned:
        raise UserError(f"{run_dir} is still in progress ({finished} of {planned} trials finished): add it when done")
    runs = load_runs([run_dir])
    trials, grids = [], {}
    for row in runs.to_dict("records"):
        trial_dir = row.pop("trial_dir", None)
        row = {k: _jsonable(v) for k, v in row.items()}
        row["curve"] = _curve(trial_dir, row.get("primary_metric"))
        grid = Path(str(trial_dir)) / "samples.png"
        if trial_dir and grid.is_file():
            grids[row["trial"]] = grid
        trials.append(row)
    suite = (read_json(run_dir / "run.json").get("suite") or {}) if (run_dir / "run.json").is_file() else {}
    body = {"board_version": BOARD_VERSION, "suite": suite.get("name"), "trials": trials}
    from benchbench.results.commits import current_commit

    found_commit, commit_time = current_commit() if commit is None else (commit, None)
    devices = sorted({str(t.get("device")) for t in trials})
    added = {
        "source": str(run_dir.resolve()),
        "commit": found_commit,
        "commit_time": commit_time,
        "machine": machine or (devices[0] if len(devices) == 1 else "mixed machines"),
        "added": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),  # microseconds: adds keep their order
    }
    return body | {"content": content_hash(body), "added_from": added}, grids


def add_run(board: Path, run_dir: Path, commit: str | None = None, machine: str | None = None) -> tuple[Path, bool]:
    """Record a run into a board folder; (the record's path, whether it is new)."""
    record, grids = record_of_run(run_dir, commit, machine)
    name = record["content"].split(":")[1][:20]
    for trial, grid in grids.items():  # assets first: a record never points at a missing grid
        target = board / ASSETS / name / f"{_safe(trial)}.png"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(grid, target)
    for row in record["trials"]:
        row["samples"] = f"{ASSETS}/{name}/{_safe(row['trial'])}.png" if row["trial"] in grids else None
    return write_once(board / RECORDS, f"{name}.json", record)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.+" else "_" for c in str(text))[:120]


def _check(path: Path, data: Any) -> None:
    if not isinstance(data, dict) or data.get("board_version") != BOARD_VERSION or "trials" not in data:
        raise UserError(f"board record {path} is not a benchbench board record (board_version {BOARD_VERSION})")
    if not isinstance(data["trials"], list) or not all(isinstance(t, dict) and "trial" in t for t in data["trials"]):
        raise UserError(f"board record {path} is corrupt: its trials are not a list of trial rows")
    trials = [{k: v for k, v in row.items() if k != "samples"} for row in data["trials"]]
    body = {"board_version": data["board_version"], "suite": data.get("suite"), "trials": trials}
    if data.get("content") != content_hash(body):
        raise UserError(f"board record {path} is corrupt: its content does not match its hash; restore it")


def open_board(board: Path) -> list[BoardRecord]:
    """Every record of a board folder; a corrupt or foreign one is refused naming it."""
    if not (board / RECORDS).is_dir():
        raise UserError(f"{board} is not a board (no {RECORDS}/ folder; benchbench leaderboard add creates it)")
    return [BoardRecord(path, data) for path, data in read_records(board / RECORDS, _check)]
