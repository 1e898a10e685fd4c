"""Loading runs into pandas: one row per trial, from each trial's summary.json."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pandas as pd

from benchbench.errors import UserError
from benchbench.results import SCHEMA_VERSION, read_json
from benchbench.step_settings import changes

PROTOCOL_KEYS = ("dataset_digest", "reference_digest", "reference_features", "resolution", "resize")


def flatten(summary: dict[str, Any]) -> dict[str, Any]:
    """A trial summary as one flat row: final_fid, best_fid, ... beside the identifying fields."""
    row: dict[str, Any] = {
        key: summary.get(key)
        for key in (
            "trial",
            "family",
            "dataset",
            "seed",
            "setting",
            "budget",
            "budget_kind",
            "budget_value",
            "status",
            "config_hash",
            "primary_metric",
            "extractor",
            "images_per_second",
            "steps_per_second",
            "relative_speed",
            "wall_relative_speed",
            "peak_memory_mb",
            "diverged_at_step",
            "collapse_suspected",
            "error",
            "trial_dir",
            "claim",
        )
    }
    row["variant"] = summary.get("variant") or ""
    loaded = summary.get("loaded")  # a generator trained elsewhere: where it came from, its file's hash
    row["division"] = "loaded" if loaded else "trained"
    row["loaded_from"] = json.dumps(loaded, sort_keys=True) if loaded else None
    family, label, found = str(summary.get("family")), summary.get("family_label"), summary.get("diagnostics")
    if label is None or found is None:  # written before families recorded them
        registered = _registered(family)
        label = label or registered.get("label")
        found = registered.get("diagnostics", []) if found is None else found
    row["family_label"], row["diagnostics"] = label or family, json.dumps(found)
    row["entry"], row["label"] = _entry_and_label(family, label or family, row["variant"], summary)
    row["family_origin"] = origin_text(summary.get("family_origin"))
    counters = summary.get("counters", {})
    for key in ("steps", "kimg", "train_seconds", "eval_seconds", "final_seconds", "setup_seconds"):
        row[key] = counters.get(key)
    scoring = summary.get("scoring_seconds")  # the final scoring itemised (report/timing.py)
    row["scoring_seconds"] = json.dumps(scoring) if scoring else None
    _final_blocks(row, summary)
    for extractor, block in (summary.get("final_by_extractor") or {}).items():
        for name, value in block.get("metrics", {}).items():
            row[f"final_{name}@{extractor}"] = value
        row[f"extractor_weights@{extractor}"] = block.get("extractor_weights")
    for which, floor in (summary.get("floor") or {}).items():  # real against real, same count and split
        primary = summary.get("primary_metric") or "fid"
        row[f"floor_{which}"], row[f"floor_{which}_n"] = floor.get(primary), floor.get("n")
    # the primary metric on the validation split of the checkpoint kept as best: what a
    # hyperparameter study selects on (the test split only scores the selection)
    row["best_validation_score"] = (summary.get("best") or {}).get("validation_score")
    convergence = summary.get("convergence") or {}
    for key in (
        "threshold",
        "seconds_to_threshold",
        "kimg_to_threshold",
        "steps_to_threshold",
        "flops_to_threshold",
        "auc_log",
    ):
        row[key] = convergence.get(key)
    device = summary.get("device") or {}
    row["device"] = f"{device.get('type', '?')}: {device.get('name', '?')} ({device.get('threads', '?')} threads)"
    versions = summary.get("versions") or {}
    row["versions"] = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
    nets = summary.get("nets") or {}
    row["width"] = nets.get("width")
    # how the steps were computed (Adam implementation, layout, TF32, autocast): they change numerics
    row["step_settings"] = json.dumps(summary.get("step_settings") or {}, sort_keys=True)
    return row


def _final_blocks(row: dict[str, Any], summary: dict[str, Any]) -> None:
    """The final and best-on-validation blocks' metrics and provenance, into the row."""
    for which in ("final", "best"):
        block = summary.get(which) or {}
        for name, value in (block.get("metrics") or {}).items():
            row[f"{which}_{name}"] = value
        if block:
            row[f"{which}_n_fake"], row[f"{which}_n_real"] = block.get("n_fake"), block.get("n_real")
            row[f"{which}_class_shares"] = block.get("class_shares")
            row["extractor_weights"] = block.get("extractor_weights")
            for key in PROTOCOL_KEYS:  # the reference's identity, for a leaderboard's fingerprint
                row[key] = block.get(key, row.get(key))


def _entry_and_label(family: str, label: str, variant: str, summary: dict[str, Any]) -> tuple[str, str]:
    """What a report compares and how it names it, set once here: a family, or each swept variant
    of it ("NAME gamma=0.3"), labelled as its trials recorded the family's label; a step computed
    otherwise (bf16, another Adam) is another entry again, since its numbers differ."""
    changed = f"{variant} {changes(summary.get('step_settings'))}".strip()
    return f"{family} {changed}".strip(), f"{label} {changed}".strip()


def _registered(family: str) -> dict[str, Any]:
    """Label and diagnostics of a registered family, for summaries written before they were
    recorded (this loads the families, and torch, only for such older runs)."""
    from benchbench.diagnostics import record
    from benchbench.errors import UserError
    from benchbench.families import FAMILIES

    try:
        cls = FAMILIES.get(family)
    except UserError:  # a plugin not installed here: its name, no diagnostics
        return {}
    return {"label": cls.label, "diagnostics": [record(d) for d in cls.diagnostics]}


def origin_text(origin: dict[str, Any] | None) -> str:
    """Where a trial's family came from, in one comparable phrase ("built-in" for benchbench's)."""
    if not origin or origin.get("source", "built-in") == "built-in":
        return "built-in"
    package = f"{origin.get('package', '')} {origin.get('version', '')}".strip() or "no package"
    return f"{origin.get('target')} ({package}, file {origin.get('digest')})"


def read_trajectory(trial_dir: Any) -> pd.DataFrame | None:
    """A trial's trajectory.csv (validation metrics along training), or None if it wrote none.
    A report reads each one for several tables and plots: it is parsed once per version of the file."""
    path = Path(str(trial_dir or "")) / "trajectory.csv"
    try:
        stat = path.stat()
    except OSError:
        return None
    frame = _parsed_trajectory(str(path), stat.st_mtime_ns, stat.st_size)
    return None if frame is None else frame.copy()


@functools.lru_cache(maxsize=512)
def _parsed_trajectory(path: str, mtime_ns: int, size: int) -> pd.DataFrame | None:
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:  # a trial that diverged before its first evaluation
        return None
    except OSError:
        return None


def trial_summaries(run_dir: Path) -> list[dict[str, Any]]:
    if not run_dir.is_dir():
        raise UserError(f"run directory {run_dir} does not exist")
    run_file = run_dir / "run.json"
    claim = None
    if run_file.exists():
        try:
            run = read_json(run_file)
        except ValueError:  # garbage bytes, or a file cut in half
            raise UserError(f"{run_file} is corrupt (not valid JSON); rerun the suite into another folder") from None
        if not isinstance(run, dict):
            raise UserError(f"{run_file} is not a benchbench run file")
        claim = (run.get("suite") or {}).get("claim")
        if run.get("schema_version") != SCHEMA_VERSION:
            raise UserError(f"{run_dir} has schema {run.get('schema_version')}; this benchbench reads {SCHEMA_VERSION}")
        paths = [run_dir / key / "summary.json" for key in run.get("trials", [])]
    else:
        paths = sorted(run_dir.glob("*/summary.json"))
    summaries = []
    for path in paths:
        if path.exists():
            try:
                summaries.append(read_json(path) | {"trial_dir": str(path.parent), "claim": claim})
            except ValueError:
                raise UserError(f"{path} is not valid JSON") from None
    if not summaries:
        raise UserError(f"{run_dir} holds no finished trials")
    return summaries


def planned_trials(run_dirs: list[Path]) -> int | None:
    """How many trials the run directories planned (their run.json files), None if any lacks one."""
    total = 0
    for run_dir in run_dirs:
        try:
            total += len(read_json(run_dir / "run.json").get("trials", []))
        except (OSError, ValueError, AttributeError):
            return None
    return total


def load_runs(run_dirs: list[Path]) -> pd.DataFrame:
    """All trials of the given runs (the same suite from several machines merges into one table);
    trials whose metric provenance disagrees with others of their dataset and extractor are refused."""
    rows = [flatten(s) for d in run_dirs for s in trial_summaries(d)]
    runs = pd.DataFrame(rows)
    duplicated = runs["trial"].duplicated(keep=False)
    if duplicated.any():
        raise UserError(f"trial {runs.loc[duplicated, 'trial'].iloc[0]} appears in more than one run directory")
    check_provenance(runs)
    return runs


def check_provenance(runs: pd.DataFrame) -> None:
    """Values compared in one table must come from the same extractor weights and sample counts."""
    for column in ("extractor_weights", "final_n_fake", "final_n_real"):
        if column not in runs:
            continue
        for (dataset, extractor), frame in runs.groupby(["dataset", "extractor"], dropna=False):
            values = frame[column].dropna().unique()
            if len(values) > 1:
                raise UserError(
                    f"{dataset} with {extractor}: trials differ in {column} ({', '.join(map(str, values))}); "
                    "their metrics are not comparable, so they are not merged"
                )
