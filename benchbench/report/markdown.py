"""The Markdown report: claims first, then per dataset and budget the leaderboard, verdicts,
equal-tuning-effort verdicts, notes and the series notes families declare, with the device and
versions."""

from __future__ import annotations

import pandas as pd

from benchbench.report.claims import check_claims, render_claims
from benchbench.report.tables import Section, floors, sections


def completeness(runs: pd.DataFrame, planned: int | None) -> str | None:
    """A sentence when the report holds fewer trials than its runs planned (a run still going, or
    trials lost), so that a partial table is never read as a whole one."""
    if planned is None or len(runs) >= planned:
        return None
    return f"This report holds {len(runs)} of the {planned} planned trials."


def render_markdown(
    runs: pd.DataFrame,
    title: str = "benchbench report",
    planned: int | None = None,
    built: list[Section] | None = None,
    settings: list[str] | None = None,
) -> str:
    """The report as Markdown (`built`: the runs' sections, when already built for another format)."""
    partial = completeness(runs, planned)
    lines = [f"# {title}", ""] + [line for s in settings or [] for line in (s, "")]
    lines += ([f"**{partial}**", ""] if partial else []) + render_claims(check_claims(runs))
    for section in sections(runs) if built is None else built:
        lines += [f"## {section.heading}", ""]
        # the answer first: the final verdicts, then whether they hold along the budget
        lines += [f"**Verdict:** {verdict}." for verdict in section.verdicts]
        lines += [f"**In another feature space:** {sentence}." for sentence in section.space_sentences]
        lines += [f"**{sentence}.**" for sentence in section.along_sentences]
        lines += ["", section.provenance, "", section.leaderboard.to_markdown(index=False), ""]
        for caption, table in section.extra:
            lines += [caption, "", table.to_markdown(index=False), ""]
        trajectory_floor = floors(section.frame).get("trajectory")
        for along in section.along:
            lines += [
                f"Along the budget ({along.metric} on the validation split at each evaluation, "
                "eval_samples samples: not the final test values above; Welch per point, Holm over the points"
                + (f"; real data scores {trajectory_floor[0]:.4g} there" if trajectory_floor else "")
                + "):",
                "",
                along.table(section.labels).to_markdown(index=False),
                "",
            ]
        if section.hyperparameters is not None:
            lines += [
                "",
                "Equal tuning effort (Lucic et al. 2018): each family's settings, the one with the best "
                "mean validation score selected, its best-on-validation checkpoints scored on test; the "
                "leaderboard above is each family's own setting (setting 0):",
                "",
                section.hyperparameters.to_markdown(index=False),
                "",
            ]
            lines += [f"**Verdict at equal tuning effort:** {verdict}." for verdict in section.tuned]
        if section.notes:
            lines += [""] + [f"- {note}" for note in section.notes]
        for heading, notes in section.series_notes:
            lines += ["", heading, ""] + [f"- {note}" for note in notes]
        lines += ["", section.fingerprint, ""]
    return "\n".join(lines)
