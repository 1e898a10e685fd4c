"""The diagnostics families declare (benchbench/diagnostics.py), rendered: traces and
against-metric scatters as PNG bytes, series notes as text. Which family declared what is read
from each trial's own record, so this module names none."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
from scipy import stats

from benchbench.diagnostics import Against, Diagnostic, SeriesNote, Trace, from_record
from benchbench.report.entries import entry_labels, entry_names
from benchbench.report.load import read_trajectory
from benchbench.report.plots import figure_png, plt

STYLES = ("-", "--", ":", "-.")


def declared(frame: pd.DataFrame) -> Iterator[tuple[Diagnostic, pd.DataFrame]]:
    """Each diagnostic a family declared, with that family's trials in `frame`, in the order
    the families first appear and declared them."""
    if "diagnostics" not in frame:
        return
    for _, trials in frame.groupby("family", sort=False):
        records = trials["diagnostics"].dropna()
        for data in json.loads(records.iloc[0]) if len(records) else []:
            diagnostic = from_record(data)
            if diagnostic is not None:
                yield diagnostic, trials


def _runs(trials: pd.DataFrame, columns: set[str]) -> list[tuple[str, pd.Series, pd.DataFrame]]:
    """(entry label, trial, trajectory) of the trials whose trajectory logged every column."""
    entry, labels = entry_names(trials), entry_labels(trials)
    out = []
    for index, trial in trials.iterrows():
        trajectory = read_trajectory(trial.get("trial_dir"))
        if trajectory is not None and columns <= set(trajectory.columns):
            out.append((labels[entry[index]], trial, trajectory))
    return out


def series_notes(frame: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """(heading, one line per seed: the series at each evaluation point and its maximum)."""
    out = []
    for diagnostic, trials in declared(frame):
        if not isinstance(diagnostic, SeriesNote):
            continue
        column = diagnostic.column
        lines = [
            f"{name} seed {trial['seed']}: {column} "
            + " -> ".join(f"{v:.3f}" for v in trajectory[column])
            + f" (max {trajectory[column].max():.3f})"
            for name, trial, trajectory in _runs(trials, {column})
        ]
        if lines:
            out.append((diagnostic.heading, lines))
    return out


def trace_plot(trials: pd.DataFrame, trace: Trace) -> bytes | None:
    """Each panel's series against generator steps, one colour per seed."""
    columns = {"step"} | {column for panel in trace.panels for column, _ in panel.series}
    runs = _runs(trials, columns)
    if not runs:
        return None
    figure, axes_row = plt.subplots(1, len(trace.panels), figsize=(4.5 * len(trace.panels), 3.4), squeeze=False)
    for index, (entry_label, _, t) in enumerate(runs):
        name = f"{entry_label} #{index + 1}"
        for axes, panel in zip(axes_row[0], trace.panels):
            for (column, suffix), style in zip(panel.series, STYLES):
                axes.plot(t["step"], t[column], color=f"C{index % 10}", linestyle=style, label=f"{name}{suffix}")
    for axes, panel in zip(axes_row[0], trace.panels):
        axes.set_ylabel(panel.ylabel)
        axes.set_xlabel("generator steps")
        axes.grid(alpha=0.3)
        if panel.legend:
            axes.legend(fontsize=7)
    return figure_png(figure)


def against_plot(trials: pd.DataFrame, against: Against) -> bytes | None:
    """A logged series against a validation metric over every evaluation point of every seed,
    with Spearman's rank correlation in the title."""
    runs = _runs(trials, {against.x, against.y})
    points = pd.concat([t for _, _, t in runs]) if runs else pd.DataFrame()
    if len(points) < 3:
        return None
    rho, p_value = stats.spearmanr(points[against.x], points[against.y])
    figure, axes = plt.subplots(figsize=(4.5, 3.6))
    axes.scatter(points[against.x], points[against.y], s=12)
    axes.set_xlabel(against.xlabel)
    axes.set_ylabel(against.ylabel)
    family = str(trials["family_label"].iloc[0]) if "family_label" in trials else str(trials["family"].iloc[0])
    axes.set_title(f"{family}: Spearman rho = {rho:.2f} (p = {p_value:.2g}, n = {len(points)})", fontsize=9)
    axes.grid(alpha=0.3)
    return figure_png(figure)


def diagnostic_plots(frame: pd.DataFrame) -> list[tuple[bytes | None, str]]:
    """(PNG or None, caption) for every plotted diagnostic the section's families declared."""
    plots: list[tuple[bytes | None, str]] = []
    for diagnostic, trials in declared(frame):
        if isinstance(diagnostic, Trace):
            plots.append((trace_plot(trials, diagnostic), diagnostic.caption))
        elif isinstance(diagnostic, Against):
            plots.append((against_plot(trials, diagnostic), diagnostic.caption))
    return plots
