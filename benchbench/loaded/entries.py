"""A suite's [[loaded]] tables: generators trained elsewhere, scored in the suite's run beside its
trained trials, with the suite's final settings (sample count, extractors), into the same run
directory, so that one report shows both (the loaded ones in their own budget, `loaded`).

    [[loaded]]
    path = "generators/mine.pt2"   # relative to the working directory
    z_size = 128                   # a .pt2, .pt or .onnx file's noise size
    z_type = "normal"              # normal, uniform or unit (as `benchbench load --z-type`)
    output_range = [-1.0, 1.0]     # the range of float outputs
    family = "dcgan"               # instead of z_size: a state dict of this family's generator,
    width = 0.25                   #   built with this width and g_norm
    name = "mine"                  # the entry's name [default: the file's stem]
    dataset = "mnist"              # the reference [default: the suite's only dataset]
    seeds = 3                      # sampling seeds, one trial each

Only the table is read when the suite is planned; the file is opened when it is scored, after
the suite's trials, and a bad file stops the run there with one line (the trials are kept).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchbench.errors import UserError

KEYS = {"path", "z_size", "z_type", "output_range", "family", "width", "g_norm", "name", "dataset", "seeds"}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")


@dataclass(frozen=True)
class LoadedEntry:
    path: str
    dataset: str
    name: str
    seeds: int = 3
    z_size: int | None = None
    z_type: str = "normal"
    output_range: tuple[float, float] = (-1.0, 1.0)
    family: str | None = None
    width: float = 1.0
    g_norm: str = "none"

    def keys(self) -> list[str]:
        return trial_keys(self.name, self.dataset, self.seeds)

    def describe(self) -> dict[str, Any]:
        return asdict(self) | {"output_range": list(self.output_range)}


def trial_keys(name: str, dataset_spec: str, seeds: int) -> list[str]:
    """The trial folders of a loaded generator's sampling seeds (`benchbench load` names them so too)."""
    return [f"loaded-{name}-{dataset_spec.replace(':', '-')}-s{seed}" for seed in range(seeds)]


def checked_name(name: str, what: str = "name") -> str:
    if not NAME.fullmatch(name):
        raise UserError(
            f"{what} {name!r}: use letters, digits and _ . + - (at most 64), starting with a letter or digit"
        )
    return name


def parse_loaded(tables: Any, datasets: list[str], source: str) -> list[LoadedEntry]:
    """The suite's [[loaded]] tables, checked: unknown keys, bad values and clashing names refused."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise UserError(f"{source}: loaded must be [[loaded]] tables, got {tables!r}")
    entries = [_entry(table, datasets, f"{source}: [[loaded]] {index + 1}") for index, table in enumerate(tables)]
    names = [(e.name, e.dataset) for e in entries]
    repeated = sorted({f"{n} on {d}" for n, d in names if names.count((n, d)) > 1})
    if repeated:
        raise UserError(f"{source}: [[loaded]] names {', '.join(repeated)} more than once; give each a name")
    return entries


def _entry(table: dict[str, Any], datasets: list[str], where: str) -> LoadedEntry:
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise UserError(f"{where}: unknown keys {unknown} (known: {sorted(KEYS)})")
    path = table.get("path")
    if not isinstance(path, str) or not path:
        raise UserError(f"{where}: path (the generator file) is required")
    dataset = table.get("dataset", datasets[0] if len(datasets) == 1 else None)
    if dataset not in datasets:
        raise UserError(
            f"{where}: dataset must be one of the suite's datasets ({', '.join(datasets)}), got {dataset!r}"
        )
    if table.get("family") is None and not _positive(table.get("z_size"), int):
        raise UserError(
            f"{where}: give z_size (the noise size of a .pt2, .pt or .onnx file), or family for a state dict"
        )
    seeds, low_high = table.get("seeds", 3), table.get("output_range", [-1.0, 1.0])
    if not _positive(seeds, int):
        raise UserError(f"{where}: seeds must be a positive integer, got {seeds!r}")
    numbers = isinstance(low_high, list) and len(low_high) == 2 and all(_number(v) for v in low_high)
    if not (numbers and low_high[1] > low_high[0]):
        raise UserError(f"{where}: output_range must be [LOW, HIGH] with HIGH > LOW, got {low_high!r}")
    if "width" in table and not _positive(table["width"], (int, float)):
        raise UserError(f"{where}: width must be a positive number, got {table['width']!r}")
    name = checked_name(str(table.get("name", Path(path).stem)))
    options = {k: table[k] for k in ("z_size", "z_type", "family", "width", "g_norm") if k in table}
    return LoadedEntry(path, dataset, name, seeds, output_range=(float(low_high[0]), float(low_high[1])), **options)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positive(value: Any, kind: type | tuple[type, ...]) -> bool:
    return _number(value) and isinstance(value, kind) and value > 0
