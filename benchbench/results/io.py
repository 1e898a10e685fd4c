"""The on-disk layout of a run, written atomically (temporary file, then rename).

run_dir/
  run.json                      what was asked (suite, plan) and the schema version
  summary.csv                   one row per trial (flattened summary.json)
  report.md                     tables and verdicts
  <family>__<dataset>__s<seed>__<budget>/
      config.json  trajectory.csv  summary.json  samples.png  checkpoint.pt
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename; the file gets the mode a plain open would
    (0666 less the umask: 0644 by default), not mkstemp's private 0600, so shared results stay
    readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def write_json(path: Path, payload: Any) -> None:
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def save_tensors(path: Path, payload: dict[str, Any]) -> None:
    """torch.save to a buffer, then an atomic write: a killed process never leaves half a file."""
    import torch

    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_tensors(path: Path) -> dict[str, Any]:
    """Tensors and plain data only: weights_only refuses any pickle that would run code."""
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)
