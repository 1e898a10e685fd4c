"""The on-disk layout of a run, written atomically (temporary file, then rename).

run_dir/
  run.json                      what was asked (suite, plan) and the schema version
  summary.csv                   one row per trial (flattened summary.json)
  report.md                     tables and verdicts
  <family>__<dataset>__s<seed>__<budget>__<config hash>/
      config.json  trajectory.csv  summary.json  samples.png  checkpoint.pt
"""

from __future__ import annotations

import io
import itertools
import json
import os
import tempfile
from collections.abc import Iterable
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


def write_npz_stream(path: Path, key: str, count: int, chunks: Iterable[Any]) -> None:
    """An .npz holding one array `key` of `count` rows, written chunk by chunk (never all in
    memory) into a temporary file that is renamed into place once complete."""
    import zipfile

    import numpy as np

    iterator = iter(chunks)
    first = next(iterator)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with (
            zipfile.ZipFile(tmp, "w", allowZip64=True) as archive,
            archive.open(f"{key}.npy", "w", force_zip64=True) as member,
        ):
            header = {
                "descr": np.lib.format.dtype_to_descr(first.dtype),
                "fortran_order": False,
                "shape": (count, *first.shape[1:]),
            }
            np.lib.format.write_array_header_2_0(member, header)
            written = 0
            for chunk in itertools.chain([first], iterator):
                member.write(np.ascontiguousarray(chunk, dtype=first.dtype).tobytes())
                written += len(chunk)
            if written != count:
                raise ValueError(f"wrote {written} rows, expected {count}")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def load_tensors(path: Path) -> Any:
    """Tensors and plain data only: weights_only refuses any pickle that would run code. A file
    that cannot be loaded raises UserError saying which of three things it is: not a checkpoint,
    a truncated or corrupt one, or one that holds code or classes (refused)."""
    import pickle
    import zipfile

    import torch

    from benchbench.errors import UserError

    with open(path, "rb") as handle:
        head = handle.read(4)
    if head[:2] != b"PK":
        raise UserError(f"{path} is not a checkpoint (not a PyTorch file)")
    if not zipfile.is_zipfile(path):
        raise UserError(f"{path} is truncated or corrupt (an incomplete PyTorch file)")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        # weights_only met a global it does not allow: code, or a class instance
        raise UserError(f"{path} holds code or objects beyond tensors and plain data: refused") from None
    except Exception:
        raise UserError(f"{path} is truncated or corrupt (its contents do not load)") from None


def load_torchscript(path: Path) -> Any:
    """A TorchScript file, loaded on the CPU. torch deprecates torch.jit with a FutureWarning at
    each load; the notice is torch's to its developers, not news for a benchbench user, so it
    is kept off their screen. Errors are the caller's to turn into one line."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return torch.jit.load(str(path), map_location="cpu")
