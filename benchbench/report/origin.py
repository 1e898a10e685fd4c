"""Where a run's settings came from, said in the plan line and in the report's header: the suite
it started from, by name, and each setting that differs from the trainer's defaults (the user
guide's table), so that a run from flags alone says what it inherited from its suite."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from benchbench.results import read_json


def off_defaults(settings: dict[str, Any]) -> list[str]:
    """`key = value` for each trainer setting that differs from its default."""
    from benchbench.training import Settings

    defaults = dataclasses.asdict(Settings())
    return [f"{k} = {v!r}" for k, v in settings.items() if k in defaults and defaults[k] != v]


def origin_line(suite: str, settings: dict[str, Any], command_line: bool = False) -> str:
    off = off_defaults(settings)
    origin = f"settings from suite {suite!r}" + (" and the command line" if command_line else "")
    return origin + (f", off the defaults: {', '.join(off)}" if off else ", all at their defaults")


def settings_lines(run_dirs: list[Path]) -> list[str]:
    """One sentence per run directory whose run.json records its suite and settings."""
    lines = []
    for run_dir in run_dirs:
        try:
            suite = read_json(run_dir / "run.json")["suite"]
            line = origin_line(str(suite["name"]), dict(suite["settings"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a loaded run, or one written before run.json recorded its settings
        lines.append(line[0].upper() + line[1:] + (f" ({run_dir.name})" if len(run_dirs) > 1 else "") + ".")
    return lines
