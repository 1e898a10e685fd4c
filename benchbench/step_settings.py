"""How a training step computes: the named settings that change its numerics for speed, and
their defaults (full float32, so that results compare across machines). training/speed.py
applies them; this module has no torch, so that reports can name a trial's changes cheaply."""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    "optimizer_impl": "default",  # default | foreach | fused (Adam)
    "channels_last": False,
    "tf32": False,
    "autocast": "none",  # none | bf16
}


def changes(step_settings: dict[str, Any] | None) -> str:
    """The settings that differ from the defaults, as a report names them ("autocast=bf16"),
    or "" when the step computes as by default."""
    changed = []
    for key, value in sorted((step_settings or {}).items()):
        if key in DEFAULTS and value != DEFAULTS[key]:
            changed.append(f"{key}={str(value).lower() if isinstance(value, bool) else value}")
    return " ".join(changed)


__all__ = ["DEFAULTS", "changes"]
