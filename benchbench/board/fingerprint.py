"""A trial's protocol fingerprint: everything its final numbers depend on besides the generator.

Two entries are ranked in one table only when every field agrees: the same data (its content,
not its name), the same reference split and statistics, the same feature network and weights,
the same sample counts, the same metric implementations (benchbench's METRICS_VERSION and
torch-fidelity's version), resolution and resizer, and the same kind and size of budget. A
field a record does not have (written before it was recorded) is None, and None differs from a
value: an older record sits in a table of its own rather than in a ranking it may not belong to.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from benchbench.version import METRICS_VERSION

FIELDS: dict[str, str] = {  # field: how the board names it
    "dataset": "dataset",
    "dataset_digest": "dataset content",
    "reference_digest": "reference split",
    "reference_features": "reference statistics",
    "extractor": "feature extractor",
    "extractor_weights": "extractor weights",
    "final_n_fake": "generated samples",
    "final_n_real": "reference samples",
    "metrics_version": "benchbench metric implementations",
    "torch_fidelity": "torch-fidelity version",
    "resolution": "resolution",
    "resize": "resizer",
    "budget_kind": "budget kind",
    "budget": "budget",
}


def recorded_versions(row: dict[str, Any]) -> dict[str, str]:
    """The versions a trial row recorded ("benchbench 0.4.0, torch 2.4.1, ...") as a dict."""
    found = {}
    for part in str(row.get("versions") or "").split(", "):
        name, _, version = part.partition(" ")
        if name:
            found[name] = version
    return found


def fingerprint(row: dict[str, Any]) -> dict[str, Any]:
    versions = recorded_versions(row)
    values = dict(row)
    # metric versions were first recorded in 0.4.0; a record without one was measured by version 1
    values["metrics_version"] = versions.get("benchbench_metrics", "1")
    values["torch_fidelity"] = versions.get("torch_fidelity")
    out = {}
    for field in FIELDS:
        value = values.get(field)
        out[field] = int(value) if isinstance(value, float) and value.is_integer() else value
    return out


def fingerprint_key(found: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(found, sort_keys=True, default=str).encode()).hexdigest()[:12]


def is_stale(found: dict[str, Any]) -> bool:
    """Measured by metric implementations that have changed since: never ranked with today's."""
    return str(found.get("metrics_version")) != METRICS_VERSION


def differences(found: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """The fields in which two fingerprints differ, as the board names them."""
    return [FIELDS[f] for f in FIELDS if found.get(f) != other.get(f)]
