"""A self-contained HTML report: tables, verdicts, plots and sample grids, images embedded."""

from __future__ import annotations

import base64
import html

import pandas as pd

from benchbench.report.claims import check_claims
from benchbench.report.entries import primary_metric
from benchbench.report.hyper import budget_plot
from benchbench.report.markdown import completeness
from benchbench.report.plots import along_budget_plot, metric_curves, sample_grids
from benchbench.report.series_plots import diagnostic_plots
from benchbench.report.tables import Section, sections

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
.scroll { overflow-x: auto; max-width: 100%; }
.verdict { font-weight: 600; } .note { color: #8a4b00; } .plots img { max-width: 48%; margin: 0.5%; }
figure { display: inline-block; margin: 0.5em; } figcaption { font-size: 0.85em; text-align: center; }
footer { margin-top: 2em; font-size: 0.85em; color: #555; }
"""


def _image(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _code(text: str) -> str:
    """Escape, then turn the Markdown `code` spans our sentences use into <code>."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _table(frame: pd.DataFrame, **options: object) -> str:
    """A table that scrolls inside its own box on a narrow window instead of widening the page."""
    return f'<div class="scroll">{frame.to_html(index=False, border=0, na_rep="-", **options)}</div>'


def _claims(runs: pd.DataFrame) -> list[str]:
    """Each published claim the runs check: its statement, outcome, findings and table."""
    body = []
    for check in check_claims(runs):
        body += [
            f"<h2>Claim: {html.escape(check.title)}</h2>",
            f"<p>{_code(check.statement)}</p>",
            f'<p class="verdict">Outcome: {html.escape(check.outcome)}.</p>',
            "<ul>",
            *[f"<li>{_code(finding)}</li>" for finding in check.findings],
            "</ul>",
        ]
        if check.table is not None and len(check.table):
            body.append(_table(check.table))
    return body


def render_html(
    runs: pd.DataFrame,
    title: str = "benchbench report",
    planned: int | None = None,
    built: list[Section] | None = None,
    settings: list[str] | None = None,
) -> str:
    """The report as one HTML file (`built`: the runs' sections, when already built for another format)."""
    body = [f"<h1>{html.escape(title)}</h1>"] + [f"<p>{_code(line)}</p>" for line in settings or []]
    partial = completeness(runs, planned)
    if partial:
        body.append(f'<p class="note">{html.escape(partial)}</p>')
    body += _claims(runs)
    for section in sections(runs) if built is None else built:
        body += [
            f"<h2>{html.escape(section.heading)}</h2>",
            f"<p>{_code(section.provenance)}</p>",
            _table(section.leaderboard, classes="leaderboard"),
        ]
        for caption, table in section.extra:
            body += [f"<p>{_code(caption)}</p>", _table(table)]
        body += [f'<p class="verdict">Verdict: {_code(verdict)}.</p>' for verdict in section.verdicts]
        body += [f'<p class="verdict">In another feature space: {_code(s)}.</p>' for s in section.space_sentences]
        body += [f'<p class="verdict">{_code(sentence)}.</p>' for sentence in section.along_sentences]
        for along in section.along:
            body += [
                f"<p>Along the budget: {html.escape(along.metric)} on the validation split at each evaluation "
                "(eval_samples samples; not the final test values above), Welch per point, Holm over the points.</p>",
                _table(along.table(section.labels)),
            ]
        if section.hyperparameters is not None:
            study = runs[
                (runs["dataset"] == section.frame["dataset"].iloc[0])
                & (runs["budget"] == section.frame["budget"].iloc[0])
            ]
            primary = primary_metric(section.frame)
            body += [
                "<h3>Equal tuning effort</h3>",
                _table(section.hyperparameters),
                *[f'<p class="verdict">Verdict at equal tuning effort: {_code(v)}.</p>' for v in section.tuned],
                _image(
                    budget_plot(study, primary), "test value of the validation-selected setting against settings tried"
                ),
            ]
        body += [f'<p class="note">{_code(note)}</p>' for note in section.notes]
        for heading, lines in section.series_notes:
            body += [f"<p>{_code(heading)}</p>", "<ul>", *[f"<li>{_code(line)}</li>" for line in lines], "</ul>"]
        primary = primary_metric(section.frame)
        plots = [
            *[
                (along_budget_plot(section.frame, along), f"{along.a} vs {along.b} along the budget")
                for along in section.along
            ],
            (metric_curves(section.frame, primary, "train_seconds"), f"{primary} against training seconds"),
            (metric_curves(section.frame, primary, "kimg"), f"{primary} against kimg"),
            *diagnostic_plots(section.frame),
        ]
        images = [_image(png, alt) for png, alt in plots if png]
        if images:
            body += ['<div class="plots">', *images, "</div>"]
        grids = sample_grids(section.frame)
        if grids:
            body += ["<h3>Samples</h3>"] + [
                f"<figure>{_image(png, name)}<figcaption>{html.escape(name)}</figcaption></figure>"
                for name, png in grids.items()
            ]
        body.append(f"<footer>{html.escape(section.fingerprint)}</footer>")
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
