"""Published claims checked on a run: the registry, the helpers a check is written with, and
their rendering. The checks themselves (one per paper) live in benchbench/paper_claims.py and any
installed package, found through the `benchbench.claims` entry-point group; a claim suite names
one by its entry-point name.

A check reads the runs table (and trajectories where it needs them) and says whether the claim
held in this run, with the numbers it rests on. Outcomes: "held" (the effect the paper reports,
significant at alpha = 0.05), "did not hold" (the opposite effect, significant), and
"inconclusive" (no significant effect either way, or too few trials). A short CPU run that
cannot confirm a claim says so; it does not refute the paper at the paper's scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from benchbench.metrics.catalog import metric
from benchbench.registry import Registry
from benchbench.report.entries import ci_text, compare_entries, entry_labels, entry_names
from benchbench.report.stats import ALPHA


@dataclass
class ClaimCheck:
    title: str
    statement: str  # the claim as published, with its source
    outcome: str  # held | did not hold | inconclusive
    findings: list[str]
    table: pd.DataFrame | None = field(default=None)


Check = Callable[[pd.DataFrame], list[ClaimCheck]]
CLAIMS: Registry[Check] = Registry(
    "claim", group="benchbench.claims", validate=lambda name, obj: None if callable(obj) else f"{obj!r} is no function"
)


def outcome_of(expected_direction: bool, significant: bool, enough: bool = True) -> str:
    if not enough or not significant:
        return "inconclusive"
    return "held" if expected_direction else "did not hold"


def completed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"] == "completed"]


def variant_value(variant: str, key: str) -> str | None:
    for part in str(variant).split():
        name, _, value = part.partition("=")
        if name == key:
            return value
    return None


def ablation(
    runs: pd.DataFrame,
    family: str,
    key: str,
    with_value: str,
    without_value: str,
    column: str,
    name: str,
) -> tuple[str, list[str], pd.DataFrame]:
    """Outcome of `family key=with_value` against `key=without_value` on `column` (in the
    direction the metric catalogue gives it), with the numbers."""
    frame = runs[runs["family"] == family]
    a, b = f"{family} {key}={with_value}", f"{family} {key}={without_value}"
    entries, labels = set(entry_names(frame)), entry_labels(frame)
    label = lambda entry: labels.get(entry, entry)  # noqa: E731
    if not {a, b} <= entries:
        return (
            "inconclusive",
            [f"the run needs both {label(a)} and {label(b)} (has: {sorted(entries)})"],
            pd.DataFrame(),
        )
    result = compare_entries(frame, a, b, column, name)
    significant = not math.isnan(result.p_value) and result.p_value < ALPHA
    finding = (
        f"{name}: {label(a)} {result.mean_a:.4g} vs {label(b)} {result.mean_b:.4g} ({result.test} "
        f"p = {result.p_value:.3g}, Hedges' g = {result.effect_size:.2f}, {result.n_a + result.n_lost_a} vs "
        f"{result.n_b + result.n_lost_b} seeds)"
    )
    rows = []
    entry = entry_names(frame)
    for e in (a, b):
        done = completed(frame[entry == e])
        rows.append(
            {"variant": label(e), "seeds": int((entry == e).sum()), "completed": len(done)}
            | {
                heading: ci_text(done[c].tolist())
                for c, heading in TABLE_COLUMNS
                if c in done and done[c].notna().any()
            }
        )
    return outcome_of(result.winner == a, significant), [finding], pd.DataFrame(rows)


TABLE_COLUMNS = [
    (metric(name).column, ("final " if final else "") + metric(name).heading)
    for name, final in (("fid", True), ("pyramid_swd", True), ("label_accuracy", False), ("cycle_l1", False))
]
TABLE_COLUMNS += [("steps", "G steps"), ("kimg", "kimg")]


def check_claims(runs: pd.DataFrame) -> list[ClaimCheck]:
    """The checks of every claim the runs' suites name."""
    if "claim" not in runs:
        return []
    return [check for name in runs["claim"].dropna().unique() for check in CLAIMS.get(str(name))(runs)]


def render_claims(checks: list[ClaimCheck]) -> list[str]:
    lines = []
    for check in checks:
        lines += [f"## Claim: {check.title}", "", check.statement, "", f"**Outcome: {check.outcome}.**", ""]
        lines += [f"- {finding}" for finding in check.findings]
        if check.table is not None and len(check.table):
            lines += ["", check.table.to_markdown(index=False)]
        lines.append("")
    return lines
