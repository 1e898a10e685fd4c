"""The regression gate: a baseline condensed from a run, a check of a later run against it (or
against the recent history), the history a repository keeps of its gate runs, and change points
in it.

    baseline.py   one entry per experiment, every seed's value of each gated metric
    decide.py     one metric: significant (Welch, one-sided) and at least the minimum effect
    compare.py    a run against a baseline: matching, refusals, configuration changes, the table
    history.py    one record per gate run, in a folder of plain files; a baseline from recent records
    changes.py    change points along the history (a noise-aware step detection)
    pages.py      the history drawn: a PNG per metric and a static HTML page
"""

from benchbench.gate.baseline import GATE_VERSION, SPEED, gated_columns, make_baseline
from benchbench.gate.compare import Rule, check, config_changes, failed, format_table

__all__ = [
    "GATE_VERSION",
    "SPEED",
    "Rule",
    "check",
    "config_changes",
    "failed",
    "format_table",
    "gated_columns",
    "make_baseline",
]
