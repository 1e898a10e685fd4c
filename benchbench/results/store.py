"""A folder of immutable JSON records: the store of the gate's history and of a leaderboard.

A folder of plain files rather than one file or an embedded database: two processes that record
at once write two files (temporary file, then a rename or a link), so neither can lose the
other's record and no lock is needed; in git, each record is one added file, which merges
without conflict. A record is never rewritten.

Two ways to name one: `write_unique` (a fresh name per call: the history, where a rerun of the
same commit is a new record) and `write_once` (the content's hash: a board, where adding the
same run twice must change nothing; of two processes adding it at once, one lands, the other
finds it there).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchbench.errors import UserError
from benchbench.results.io import atomic_write_text, read_json


def canonical(payload: Any) -> str:
    return json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n"


def content_hash(payload: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(payload).encode()).hexdigest()


def write_unique(folder: Path, stem: str, payload: Any) -> Path:
    """Write a record under a name no other call gets; its path."""
    path = folder / f"{stem}-{secrets.token_hex(3)}.json"
    atomic_write_text(path, canonical(payload))
    return path


def write_once(folder: Path, name: str, payload: Any) -> tuple[Path, bool]:
    """Write a record under `name` unless one is there; (its path, whether this call wrote it).
    The file appears whole or not at all (written aside, then linked into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.exists():
        return path, False
    aside = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(aside, "w") as handle:
            handle.write(canonical(payload))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(aside, path)  # fails if another process linked the same name first
        except FileExistsError:
            return path, False
    finally:
        aside.unlink(missing_ok=True)
    return path, True


def read_records(folder: Path, check: Callable[[Path, Any], None], pattern: str = "*.json") -> list[tuple[Path, Any]]:
    """Every record of the folder, sorted by name; `check` raises UserError for one that is not a
    record of the store's kind. A file that is not JSON is refused, naming it."""
    found = []
    for path in sorted(folder.glob(pattern)):
        try:
            data = read_json(path)
        except (ValueError, UnicodeDecodeError):
            raise UserError(f"record {path} is corrupt (not valid JSON): remove or restore it") from None
        check(path, data)
        found.append((path, data))
    return found
