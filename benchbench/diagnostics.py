"""What a family's own logged series should show in a report, declared on the family.

The trainer logs whatever a family's `train_step` returns (BEGAN's k_t and M_global, say); a
family lists in `Family.diagnostics` which of those series a reader should see and how, and the
trainer stores the list in each trial's summary, so that the report (which names no family and
loads no torch) renders them from the run directory alone:

- `Trace`: series against generator steps, one line per seed, in side-by-side panels;
- `Against`: one series against a validation metric, with Spearman's rank correlation;
- `SeriesNote`: each seed's series as a line of numbers, under a heading.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    """One panel of a Trace: logged series drawn against generator steps on one y axis
    (`series`: (logged column, legend suffix) pairs, e.g. (("loss_d_real", "real"), ("loss_d_fake", "fake")))."""

    ylabel: str
    series: tuple[tuple[str, str], ...]  # (logged column, its legend suffix); line styles in order
    legend: bool = False


@dataclass(frozen=True)
class Trace:
    """A figure of Panels side by side, one line per seed in each, under a caption."""

    caption: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class Against:
    """A logged series (x, its mean over each evaluation interval) against a validation metric
    (y), every evaluation point of every seed, with Spearman's rank correlation."""

    caption: str
    x: str  # a logged column
    y: str  # a validation metric of the trajectory
    xlabel: str
    ylabel: str


@dataclass(frozen=True)
class SeriesNote:
    """Each seed's logged series `column` as a line of numbers under `heading`."""

    heading: str
    column: str


Diagnostic = Trace | Against | SeriesNote
_KINDS: dict[str, type] = {"trace": Trace, "against": Against, "series-note": SeriesNote}


def record(diagnostic: Diagnostic) -> dict[str, Any]:
    kind = next(k for k, cls in _KINDS.items() if isinstance(diagnostic, cls))
    return {"kind": kind, **asdict(diagnostic)}


def from_record(data: dict[str, Any]) -> Diagnostic | None:
    """A stored diagnostic, or None for a kind this version does not know (a newer writer)."""
    kind = _KINDS.get(data.get("kind", ""))
    fields = {k: v for k, v in data.items() if k != "kind"}
    if kind is Trace:
        panels = tuple(
            Panel(p["ylabel"], tuple(tuple(s) for s in p["series"]), p.get("legend", False)) for p in fields["panels"]
        )
        return Trace(fields["caption"], panels)
    return kind(**fields) if kind is not None else None


__all__ = ["Against", "Diagnostic", "Panel", "SeriesNote", "Trace", "from_record", "record"]
