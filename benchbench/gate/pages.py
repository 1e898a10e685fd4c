"""The history drawn: per experiment, a table (each gated metric's level, its last change with
the last good and first bad commit, records that lost every seed) and one PNG per gated metric
(each record's mean over seeds with its 95% t-interval, kept within the metric's range; the
levels between change points; x by commit, reruns of one commit side by side), in a static HTML
page readable from the folder without a server. Changes are found by gate/changes.py."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import numpy as np
from scipy import stats

from benchbench.gate.baseline import describe_key, direction
from benchbench.gate.changes import (
    Change,
    effect_of,
    experiment_series,
    find_changes,
    searched_columns,
    segments,
    series,
)
from benchbench.gate.compare import Rule
from benchbench.gate.history import History
from benchbench.results.io import atomic_write_bytes, atomic_write_text


def draw(history: History, out: Path, rule: Rule | None = None, commit_url: str | None = None) -> list[Change]:
    """Write out/index.html and one PNG per experiment and gated metric; return the change points.
    `rule` gives the minimum effects (the gate's defaults if None); `commit_url` is a template
    such as "https://github.com/OWNER/REPO/commit/{commit}"."""
    rule = rule or Rule()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = history.records
    changes = find_changes(records, rule, history.accepted())
    commits = list(dict.fromkeys(r.commit for r in records))  # x by commit; reruns share one
    x_of = _positions(records, commits)
    sections = []
    for key, indexed in experiment_series(records).items():
        entries = [entry for _, entry in indexed]
        figures = []
        for column in searched_columns(entries, rule):
            means, errors, where = series(entries, column)
            if not means:
                continue
            positions = [x_of[indexed[i][0]] for i in where]
            found = segments(means, errors, effect_of(column, float(np.median(means)), rule))
            low, high = _range(column)
            half = [_half_width(entries[i]["metrics"][column]) for i in where]
            name = re.sub(r"[^A-Za-z0-9]+", "-", f"{describe_key(key)}-{column}").strip("-") + ".png"
            figure, axis = plt.subplots(figsize=(8, 3))
            axis.fill_between(
                positions, np.clip(np.subtract(means, half), low, high), np.clip(np.add(means, half), low, high),
                alpha=0.25, label="95% CI", step=None,
            )  # fmt: skip
            axis.plot(positions, means, "o-", markersize=3, label="mean over seeds")
            for segment in found:
                axis.hlines(segment.level, positions[segment.start], positions[segment.end - 1], colors="black")
            for segment in found[1:]:
                axis.axvline(positions[segment.start] - 0.5, color="red", linestyle="--", linewidth=1)
            for index in _lost_records(records, key):
                axis.axvline(x_of[index], color="red", alpha=0.4, linewidth=4)
            axis.set_title(f"{describe_key(key)}: {column}", fontsize=9)
            step = max(1, len(commits) // 20)
            axis.set_xticks(range(0, len(commits), step), [c[:8] for c in commits[::step]], rotation=60, fontsize=7)
            axis.set_xlabel("commit (reruns of one commit side by side; red bars: every seed lost)", fontsize=7)
            axis.legend(fontsize=7, loc="best")
            atomic_write_bytes(out / name, _png(figure, plt))
            figures.append((column, name))
        found = [c for c in changes if c.experiment == describe_key(key)]
        table = _table(history, key, indexed, found, rule, commit_url)
        sections.append((describe_key(key), table, figures))
    atomic_write_text(out / "index.html", _page(history, sections, changes, commit_url))
    return changes


def _positions(records: list, commits: list[str]) -> list[float]:
    """x per record: its commit's place, reruns of one commit spread within it."""
    seen: dict[str, int] = {}
    counts = {c: sum(r.commit == c for r in records) for c in commits}
    positions = []
    for record in records:
        k = seen.get(record.commit, 0)
        seen[record.commit] = k + 1
        n = counts[record.commit]
        positions.append(commits.index(record.commit) + (0.0 if n == 1 else 0.3 * (k / (n - 1) - 0.5)))
    return positions


def _range(column: str) -> tuple[float, float]:
    """Where a metric's values can lie: its bounds, else from 0 (every gated metric is a distance,
    a score, a count or a speed)."""
    bounds = direction(column)[1]
    return (bounds[0], bounds[1]) if bounds else (0.0, math.inf)


def _lost_records(records: list, key: tuple) -> list[int]:
    from benchbench.gate.baseline import key_of

    return [i for i, r in enumerate(records) for e in r.entries if key_of(e) == key and not e.get("completed")]


def _half_width(stats_: dict) -> float:
    n, std = int(stats_["n"]), float(stats_["std"])
    return float(stats.t.ppf(0.975, n - 1) * std / math.sqrt(n)) if n > 1 else 0.0


def _png(figure: object, plt: object) -> bytes:
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(figure)  # type: ignore[attr-defined]
    return buffer.getvalue()


def _link(commit: str, commit_url: str | None) -> str:
    shown = html.escape(commit[:12])
    return f'<a href="{html.escape(commit_url.format(commit=commit))}">{shown}</a>' if commit_url else shown


def _table(
    history: History, key: tuple, indexed: list, changes: list[Change], rule: Rule, commit_url: str | None
) -> str:
    """One row per gated metric: the latest level, the last change, its last good and first bad commit."""
    entries = [e for _, e in indexed]
    rows = []
    for column in searched_columns(entries, rule):
        means, _, _ = series(entries, column)
        last = next((c for c in reversed(changes) if c.metric == column), None)
        state = (
            "-"
            if last is None
            else "better"
            if not last.worse
            else "accepted"
            if last.accepted
            else "<b>worse, not accepted</b>"
        )
        rows.append(
            f"<tr><td>{html.escape(column)}</td><td>{means[-1]:.4g}</td>"
            f"<td>{'-' if last is None else f'{last.before:.4g} &rarr; {last.after:.4g}'}</td><td>{state}</td>"
            f"<td>{'-' if last is None or not last.worse else _link(last.last_commit_before, commit_url)}</td>"
            f"<td>{'-' if last is None or not last.worse else _link(last.first_commit_after, commit_url)}</td></tr>"
        )
    lost = [history.records[i].commit for i in _lost_records(history.records, key)]
    failed = f"<p class=failed>Every seed lost at {', '.join(_link(c, commit_url) for c in lost)}.</p>" if lost else ""
    return (
        "<table><thead><tr><th>metric</th><th>latest</th><th>last change</th><th>state</th>"
        "<th>last good commit</th><th>first bad commit</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + failed
    )


def _page(history: History, sections: list, changes: list[Change], commit_url: str | None) -> str:
    suite, machine = history.identity or ("?", "?")
    first, last = history.records[0], history.records[-1]
    body = [
        f"<h1>Gate history: {html.escape(suite)} on {html.escape(machine)}</h1>",
        f"<p>{len(history.records)} records, commits {_link(first.commit, commit_url)} to "
        f"{_link(last.commit, commit_url)}. Each point is a gate run's mean over seeds with its 95% t-interval; "
        "black lines are the levels between change points (red), found on the gated metrics by a step "
        "detection that models the seeds' noise and the variation between runs, with the gate's minimum "
        "effects. A worse level is not the gate's baseline until accepted (benchbench history accept).</p>",
        "<h2>Change points</h2>",
        "<ul>" + "".join(f"<li>{html.escape(c.sentence())}</li>" for c in changes) + "</ul>"
        if changes
        else "<p>None: every gated metric held its level.</p>",
    ]
    for title, table, figures in sections:
        body.append(f"<h2>{html.escape(title)}</h2>")
        body.append(table)
        body += [f'<figure><img src="{html.escape(n)}" alt="{html.escape(c)}"></figure>' for c, n in figures]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>gate history</title>'
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}img{max-width:100%}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}.failed{color:#b00}</style>"
        "</head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
