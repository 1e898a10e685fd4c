"""The history drawn: one PNG per experiment and metric (each record's mean over seeds with its
95% t-interval, the segments' levels, the change points marked with their commit) and a static
HTML page that links them, readable from the folder without a server."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from benchbench.gate.baseline import describe_key, direction, key_of, read_baseline
from benchbench.gate.changes import segments, series
from benchbench.gate.history import History
from benchbench.results.io import atomic_write_bytes, atomic_write_text


@dataclass(frozen=True)
class Change:
    experiment: str
    metric: str
    before: float
    after: float
    last_commit_before: str
    first_commit_after: str
    worse: bool

    def sentence(self) -> str:
        relative = f" ({(self.after - self.before) / abs(self.before):+.1%})" if self.before else ""
        return (
            f"{self.experiment}: {self.metric} moved {self.before:.4g} -> {self.after:.4g}{relative}, "
            f"{'worse' if self.worse else 'better'}, first at commit {self.first_commit_after[:12]} "
            f"(after {self.last_commit_before[:12]})"
        )


def experiments(history: History) -> dict[tuple, list[tuple[int, dict]]]:
    """Per experiment key: (record index, its entry) along the history."""
    found: dict[tuple, list[tuple[int, dict]]] = {}
    for index, record in enumerate(history.records):
        for entry in read_baseline(record.data):
            found.setdefault(key_of(entry), []).append((index, entry))
    return found


def find_changes(history: History, min_change: float) -> list[Change]:
    changes = []
    for key, indexed in experiments(history).items():
        entries = [entry for _, entry in indexed]
        for column in sorted({c for e in entries for c in e["metrics"]}):
            means, errors, where = series(entries, column)
            found = segments(means, errors, min_change * abs(float(np.median(means)))) if means else []
            higher_better, _ = direction(column)
            for left, right in zip(found, found[1:]):
                first = history.records[indexed[where[right.start]][0]].commit
                last = history.records[indexed[where[right.start - 1]][0]].commit
                worse = right.level < left.level if higher_better else right.level > left.level
                changes.append(Change(describe_key(key), column, left.level, right.level, last, first, worse))
    return changes


def draw(history: History, out: Path, min_change: float) -> list[Change]:
    """Write out/index.html and one PNG per experiment and metric; return the change points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    commits = [r.commit[:8] for r in history.records]
    sections, changes = [], find_changes(history, min_change)
    for key, indexed in experiments(history).items():
        entries = [entry for _, entry in indexed]
        figures = []
        for column in sorted({c for e in entries for c in e["metrics"]}):
            means, errors, where = series(entries, column)
            if not means:
                continue
            positions = [indexed[i][0] for i in where]
            found = segments(means, errors, min_change * abs(float(np.median(means))))
            name = re.sub(r"[^A-Za-z0-9]+", "-", f"{describe_key(key)}-{column}").strip("-") + ".png"
            figure, axis = plt.subplots(figsize=(8, 3))
            half = [_half_width(entries[i]["metrics"][column]) for i in where]
            axis.fill_between(positions, np.subtract(means, half), np.add(means, half), alpha=0.25, label="95% CI")
            axis.plot(positions, means, "o-", markersize=3, label="mean over seeds")
            for segment in found:
                span = [positions[segment.start], positions[segment.end - 1]]
                axis.hlines(segment.level, *span, colors="black", linewidth=1.5)
            for segment in found[1:]:
                axis.axvline(positions[segment.start] - 0.5, color="red", linestyle="--", linewidth=1)
                axis.annotate(
                    commits[positions[segment.start]],
                    (positions[segment.start], axis.get_ylim()[1]),
                    color="red",
                    fontsize=7,
                    va="top",
                )
            axis.set_title(f"{describe_key(key)}: {column}", fontsize=9)
            step = max(1, len(commits) // 20)
            axis.set_xticks(range(0, len(commits), step), commits[::step], rotation=60, fontsize=7)
            axis.legend(fontsize=7, loc="best")
            buffer = _png(figure, plt)
            atomic_write_bytes(out / name, buffer)
            figures.append((column, name))
        sections.append((describe_key(key), figures))
    atomic_write_text(out / "index.html", _page(history, sections, changes))
    return changes


def _half_width(stats_: dict) -> float:
    n, std = int(stats_["n"]), float(stats_["std"])
    return float(stats.t.ppf(0.975, n - 1) * std / math.sqrt(n)) if n > 1 else 0.0


def _png(figure: object, plt: object) -> bytes:
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(figure)  # type: ignore[attr-defined]
    return buffer.getvalue()


def _page(history: History, sections: list[tuple[str, list[tuple[str, str]]]], changes: list[Change]) -> str:
    suite, machine = history.identity or ("?", "?")
    first, last = history.records[0], history.records[-1]
    body = [
        f"<h1>Gate history: {html.escape(suite)} on {html.escape(machine)}</h1>",
        f"<p>{len(history.records)} records, commits {html.escape(first.commit[:12])} to "
        f"{html.escape(last.commit[:12])}. Each point is a gate run's mean over seeds with its 95% t-interval; "
        "black lines are the levels between change points (red), found by a step detection that models "
        "the seeds' noise and the variation between runs.</p>",
        "<h2>Change points</h2>",
        "<ul>" + "".join(f"<li>{html.escape(c.sentence())}</li>" for c in changes) + "</ul>"
        if changes
        else "<p>None: every metric held its level.</p>",
    ]
    for title, figures in sections:
        body.append(f"<h2>{html.escape(title)}</h2>")
        body += [f'<figure><img src="{html.escape(n)}" alt="{html.escape(c)}"></figure>' for c, n in figures]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>gate history</title>'
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}img{max-width:100%}</style>"
        "</head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
