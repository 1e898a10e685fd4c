"""Published figures: a paper's values with the protocol it states and its citation, shown
beside re-measured entries (with the difference and the protocol fields that differ), never
ranked with them: a number measured elsewhere under another protocol is context, not a rival.

A file is TOML:

    [source]
    citation = "..."      # required
    url = "..."
    where = "Table 2"
    [protocol]            # the fingerprint fields the paper states (board/fingerprint.py names)
    dataset = "mnist"
    extractor = "..."
    [[figures]]
    family = "wgan-gp"    # matched against an entry's family
    label = "WGAN GP"
    metric = "fid"
    mean = 20.3
    std = 5.0             # optional: what the paper reports beside the mean
    n = 50                # optional: over how many runs
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from benchbench.board.fingerprint import FIELDS
from benchbench.errors import UserError

SHIPPED = "lucic2018-mnist.toml"


@dataclass(frozen=True)
class Figure:
    family: str
    label: str
    metric: str
    mean: float
    std: float | None
    n: int | None
    protocol: dict[str, Any]
    citation: str
    url: str | None
    where: str | None


def shipped_path() -> Path:
    return Path(str(resources.files("benchbench.board") / "published" / SHIPPED))


def read_published(path: Path) -> list[Figure]:
    """The figures of one published-figures file; a malformed one is refused in one line."""
    try:
        data = tomllib.loads(path.read_text())
    except OSError as error:
        raise UserError(f"published figures {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"published figures {path} is not valid TOML: {error}") from None
    source, protocol = data.get("source") or {}, data.get("protocol") or {}
    if not source.get("citation"):
        raise UserError(f"published figures {path} need [source] citation = ...")
    unknown = sorted(set(protocol) - set(FIELDS) - {"note"})
    if unknown:
        raise UserError(f"published figures {path}: unknown protocol fields {unknown} (known: {sorted(FIELDS)})")
    figures = []
    for i, item in enumerate(data.get("figures") or []):
        try:
            figures.append(
                Figure(
                    family=str(item["family"]),
                    label=str(item.get("label", item["family"])),
                    metric=str(item["metric"]),
                    mean=float(item["mean"]),
                    std=float(item["std"]) if "std" in item else None,
                    n=int(item["n"]) if "n" in item else None,
                    protocol=protocol,
                    citation=str(source["citation"]),
                    url=source.get("url"),
                    where=source.get("where"),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise UserError(
                f"published figures {path}: figure {i + 1} needs family, metric and mean ({error})"
            ) from None
    if not figures:
        raise UserError(f"published figures {path} holds no [[figures]]")
    return figures
