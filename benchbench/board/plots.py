"""A board table's pictures (matplotlib, PNG): quality against cost with its Pareto front, and
the validation curves of the entries in one plot. Written without timestamps, so that the same
inputs draw the same bytes and a rebuilt board is the same release."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from benchbench.board.tables import Table
from benchbench.results.io import atomic_write_bytes

CURVES_SHOWN = 12  # more lines than this are unreadable: the best-ranked ones


def _plt():  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: Path) -> None:  # noqa: ANN001
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    _plt().close(figure)
    atomic_write_bytes(path, buffer.getvalue())


def cost_column(table: Table) -> tuple[str, str]:
    """(column, axis label) of what the table's budget spends."""
    if table.fingerprint.get("budget_kind") == "kimg":
        return "kimg", "images shown to the discriminator (kimg)"
    return "train_seconds", "training seconds"


def pareto(points: list[tuple[float, float]], lower_is_better: bool) -> list[tuple[float, float]]:
    """The points no other point beats on both cost (lower) and quality."""
    sign = 1.0 if lower_is_better else -1.0
    front, best = [], math.inf
    for cost, quality in sorted(points, key=lambda p: (p[0], sign * p[1])):
        if sign * quality < best:
            front.append((cost, quality))
            best = sign * quality
    return front


def quality_against_cost(table: Table, path: Path) -> bool:
    """Final primary metric against cost, one point per entry with its interval; False if the
    table has no cost (a loaded division)."""
    column, label = cost_column(table)
    points = [(e.cost(column), e.mean, e) for e in table.entries if e.kept]
    points = [p for p in points if math.isfinite(p[0]) and p[0] > 0]
    if not points:
        return False
    plt = _plt()
    figure, axes = plt.subplots(figsize=(5.5, 3.6))
    for cost, quality, entry in points:
        spread = (entry.high - entry.low) / 2 if math.isfinite(entry.high) else 0.0
        axes.errorbar([cost], [quality], yerr=[spread], fmt="o", ms=4, capsize=2, alpha=0.8)
        if len(points) <= 20:
            axes.annotate(entry.name, (cost, quality), fontsize=7, xytext=(3, 3), textcoords="offset points")
    front = pareto([(c, q) for c, q, _ in points], table.lower_is_better)
    axes.step(*zip(*front), where="post", color="black", lw=1, label="Pareto front")
    axes.set_xlabel(label)
    axes.set_ylabel(f"final {table.primary} (mean, t 95% CI)")
    axes.legend(fontsize=7)
    _save(figure, path)
    return True


def curves(table: Table, path: Path) -> bool:
    """The validation curves (mean over seeds at each evaluation) of the best-ranked entries."""
    order = sorted(table.entries, key=lambda e: (e.rank is None, e.rank or 0, e.name))[:CURVES_SHOWN]
    plt = _plt()
    figure, axes = plt.subplots(figsize=(5.5, 3.6))
    drawn = False
    for entry in order:
        rows = [pd.DataFrame(c) for c in entry.trials.get("curve", []) if isinstance(c, list) and c]
        rows = [r for r in rows if table.primary in r and "kimg" in r]
        if not rows:
            continue
        merged = pd.concat(rows).groupby("kimg")[table.primary].mean()
        axes.plot(merged.index, np.asarray(merged.values, dtype=float), lw=1.2, label=entry.name)
        drawn = True
    if not drawn:
        _plt().close(figure)
        return False
    axes.set_xlabel("kimg")
    axes.set_ylabel(f"validation {table.primary}")
    axes.legend(fontsize=7)
    _save(figure, path)
    return True
