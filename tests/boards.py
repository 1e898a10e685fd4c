"""Run directories written by hand for the leaderboard's tests: a board's logic (fingerprints,
ties, pooling, lost seeds, pages) is checked on numbers chosen to decide each case, without
training. The summaries hold the fields a trained trial's summary.json holds for a board."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchbench.results import SCHEMA_VERSION

PROTOCOL = {
    "dataset_digest": "sha256:data",
    "reference_digest": "sha256:test-split",
    "reference_features": "features-key",
    "resolution": "1x28x28",
    "resize": "none",
    "extractor": "mnist-classifier",
    "extractor_weights": "02b6d4d511cffa21",
    "n_fake": 2000,
    "n_real": 10000,
    "split": "test",
}


def summary(family: str, seed: int, fid: float | None, status: str = "completed", **changes: Any) -> dict[str, Any]:
    final = {"metrics": {"fid": fid, "is": 2.0}, **PROTOCOL, **changes.pop("final", {})}
    versions = {"benchbench": "0.4.0", "benchbench_metrics": "1", "torch_fidelity": "0.4.0", "torch": "2.x"}
    versions.update(changes.pop("versions", {}))
    out = {
        "schema_version": SCHEMA_VERSION,
        "trial": f"{family}__mnist__s{seed}__100s",
        "family": family,
        "family_label": changes.pop("label", family.upper()),
        "diagnostics": [],
        "dataset": "mnist",
        "seed": seed,
        "setting": 0,
        "variant": "",
        "budget_kind": "seconds",
        "budget_value": 100,
        "budget": "100s",
        "config_hash": changes.pop("config_hash", f"hash-{family}"),
        "status": status,
        "primary_metric": "fid",
        "extractor": "mnist-classifier",
        "versions": versions,
        "device": {"type": "cpu", "name": "test CPU", "threads": 2},
        "counters": {"steps": 100, "kimg": 6.4, "train_seconds": 100.0},
    }
    if status == "completed":
        out["final"] = final
    if status == "failed":
        out["error"] = "RuntimeError: boom"
    if status == "diverged":
        out["diverged_at_step"] = 12
    out.update(changes)
    return out


def write_run(run_dir: Path, summaries: list[dict[str, Any]], planned: int | None = None, curve: bool = True) -> Path:
    """A finished run (or, with planned > len(summaries), one still in progress)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    keys = [s["trial"] for s in summaries] + [f"pending-{i}" for i in range((planned or 0) - len(summaries))]
    run = {"schema_version": SCHEMA_VERSION, "suite": {"name": "board-test"}, "trials": keys}
    (run_dir / "run.json").write_text(json.dumps(run))
    for item in summaries:
        trial_dir = run_dir / item["trial"]
        trial_dir.mkdir(exist_ok=True)
        (trial_dir / "summary.json").write_text(json.dumps(item))
        fid = (item.get("final") or {}).get("metrics", {}).get("fid")
        if curve and fid is not None:
            rows = [f"{step},{step * 0.064},{step},{fid + 100 - step}" for step in (1, 50, 100)]
            (trial_dir / "trajectory.csv").write_text("step,kimg,train_seconds,fid\n" + "\n".join(rows) + "\n")
    return run_dir


def family_run(run_dir: Path, values: dict[str, list[float]], **changes: Any) -> Path:
    """One run: each family's seeds with the given FIDs."""
    return write_run(
        run_dir,
        [summary(family, seed, fid, **changes) for family, fids in values.items() for seed, fid in enumerate(fids)],
    )
