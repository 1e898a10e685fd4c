"""Plots for reports (matplotlib, PNG bytes): metric against training seconds and kimg per family
with seed bands, and every seed's sample grid. Collapsed seeds are named in legends and captions.
A family's own series are plotted by report/series_plots.py, as the family declares them."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchbench.report.along import AlongBudget, curves_of  # noqa: E402
from benchbench.report.entries import by_entry, collapsed_count, entry_labels, entry_names  # noqa: E402
from benchbench.report.load import read_trajectory  # noqa: E402


def trajectories(frame: pd.DataFrame) -> dict[str, list[pd.DataFrame]]:
    """Each family's trajectory.csv per trial (trials that wrote one)."""
    out: dict[str, list[pd.DataFrame]] = {}
    entry = entry_names(frame)
    for index, trial in frame.iterrows():
        trajectory = read_trajectory(trial.get("trial_dir"))
        if trajectory is not None:
            out.setdefault(entry[index], []).append(trajectory)
    return out


def figure_png(figure: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def metric_curves(frame: pd.DataFrame, metric: str, x: str) -> bytes | None:
    """`metric` (validation trajectory) against `x` per family: mean over seeds on a common grid,
    with a band from the seeds' minimum to maximum, on log axes."""
    curves = trajectories(frame)
    if not any(metric in t for runs in curves.values() for t in runs):
        return None
    collapsed = {entry: collapsed_count(trials) for entry, trials in by_entry(frame)}
    labels = entry_labels(frame)
    figure, axes = plt.subplots(figsize=(6, 3.6))
    for family, runs in curves.items():
        runs = [t for t in runs if metric in t and x in t and len(t) > 1]
        if not runs:
            continue
        low = max(t[x].iloc[0] for t in runs)
        high = min(t[x].iloc[-1] for t in runs)
        if high <= low:
            continue
        grid = np.geomspace(max(low, 1e-9), high, 50)
        values = np.array([np.interp(grid, t[x], t[metric]) for t in runs])
        flag = f", {collapsed[family]} collapsed" if collapsed.get(family) else ""
        line = axes.plot(grid, values.mean(0), label=f"{labels[family]} ({len(runs)} seeds{flag})")[0]
        axes.fill_between(grid, values.min(0), values.max(0), color=line.get_color(), alpha=0.2)
    if not axes.lines:  # no entry has two points of this metric to draw a curve through
        plt.close(figure)
        return None
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel({"train_seconds": "training seconds", "kimg": "kimg (real images shown to D)"}.get(x, x))
    axes.set_ylabel(f"{metric.upper()} (validation)")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3, which="both")
    return figure_png(figure)


def sample_grids(frame: pd.DataFrame) -> dict[str, bytes]:
    """Every completed seed's sample grid, collapsed ones named so."""
    grids = {}
    completed = frame[frame["status"] == "completed"].sort_values("seed")
    labels = entry_labels(completed)
    for family, trials in by_entry(completed):
        for _, trial in trials.iterrows():
            path = Path(str(trial.get("trial_dir", ""))) / "samples.png"
            if path.is_file():
                flag = " (collapsed)" if trial.get("collapse_suspected") in (True,) else ""  # NaN: not scored
                grids[f"{labels[family]}, seed {trial['seed']}{flag}"] = path.read_bytes()
    return grids


def along_budget_plot(frame: pd.DataFrame, along: AlongBudget) -> bytes | None:
    """A pair's validation curves of completed seeds at their evaluation points (mean, band from
    the seeds' minimum to maximum), each point where one is significantly better (Holm) marked in its colour."""
    curves = {entry: curves_of(frame, entry, along.column, along.axis) for entry in (along.a, along.b)}
    if any(not c.completed for c in curves.values()):
        return None
    labels = entry_labels(frame)
    figure, axes = plt.subplots(figsize=(6, 3.6))
    colours = {}
    for entry, curve in curves.items():
        values, budgets = curve.completed_matrix(0), curve.completed_matrix(1).mean(0)
        line = axes.plot(
            budgets, values.mean(0), marker="o", markersize=3, label=f"{labels[entry]} ({len(values)} seeds)"
        )[0]
        axes.fill_between(budgets, values.min(0), values.max(0), color=line.get_color(), alpha=0.2)
        colours[entry] = line.get_color()
    for point in along.points:
        winner = point.comparison.winner
        if winner:
            mean = point.comparison.mean_a if winner == along.a else point.comparison.mean_b
            axes.plot([point.budget], [mean], marker="*", markersize=13, color=colours[winner], markeredgecolor="k")
    axes.plot(
        [], [], marker="*", linestyle="none", color="grey", markeredgecolor="k", label="significantly better (Holm)"
    )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(f"budget ({along.unit})")
    axes.set_ylabel(f"{along.metric} (validation)")
    axes.set_title(f"{labels[along.a]} vs {labels[along.b]}", fontsize=9)
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3, which="both")
    return figure_png(figure)
