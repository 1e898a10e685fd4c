"""A board's tables: entries grouped by division and protocol fingerprint, ranked honestly.

- One table per (division, fingerprint): trained under a budget, loaded, and stale records
  (measured by metric implementations that have changed since) are never ranked together.
- An entry is one configuration (the family or loaded file and its config hash); its seeds come
  from every record that holds it, each seed once (the newest record's value), never best-of-N.
- A cell is the mean over kept seeds with its Student's t interval and the seed count; lost
  seeds (diverged, failed, no value) and collapsed ones are counted with the reason.
- Ranks: the leader is the best mean. Every other entry gets a one-sided Welch test of "worse
  than the leader"; the table's p-values are Holm-adjusted together, and an entry whose adjusted
  p is not below ALPHA shares the leader's rank, shown as tied. An entry with one kept seed, or
  beside a leader with one, cannot be tested and is marked so, never ranked above another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from benchbench.board.fingerprint import differences, fingerprint, fingerprint_key, is_stale
from benchbench.board.records import BoardRecord
from benchbench.errors import UserError
from benchbench.metrics.catalog import value_range
from benchbench.report.stats import holm, mean_ci
from benchbench.results.outcomes import outcomes

ALPHA = 0.05


@dataclass
class Entry:
    name: str
    family: str
    config_hash: str
    trials: pd.DataFrame
    mean: float = math.nan
    low: float = math.nan
    high: float = math.nan
    kept: int = 0
    lost: dict[str, int] = field(default_factory=dict)
    collapsed: int = 0
    p_worse: float = math.nan
    p_holm: float = math.nan
    rank: int | None = None
    tied: bool = False
    note: str = ""

    @property
    def slug(self) -> str:
        return f"{''.join(c if c.isalnum() else '-' for c in self.name)[:40]}-{self.config_hash.split(':')[-1][:8]}"

    def cost(self, column: str) -> float:
        values = pd.to_numeric(self.trials.get(column, pd.Series(dtype=float)), errors="coerce").dropna()
        return float(values.mean()) if len(values) else math.nan


@dataclass
class Table:
    key: str
    division: str
    fingerprint: dict[str, Any]
    stale: bool
    primary: str
    lower_is_better: bool
    entries: list[Entry]
    differs: list[str] = field(default_factory=list)  # fields differing from the dataset's main table

    @property
    def title(self) -> str:
        fp = self.fingerprint
        where = "stale: measured by older metric implementations" if self.stale else self.division
        return f"{fp['dataset']}, {fp['extractor']}, budget {fp['budget']} ({where})"


def trial_frame(records: list[BoardRecord]) -> pd.DataFrame:
    """Every trial of every record, with its record's id and provenance; each seed of a
    configuration once (the newest record's)."""
    rows = []
    for record in records:
        added = record.data.get("added_from") or {}
        for trial in _with_protocol(record.data["trials"]):
            found = fingerprint(trial)
            rows.append(
                trial
                | {f"fp_{k}": v for k, v in found.items()}
                | {
                    "record": record.id,
                    "commit": added.get("commit"),
                    "machine": added.get("machine"),
                    "added": added.get("added"),
                    "table": f"{trial.get('division', 'trained')}-{fingerprint_key(found)}",
                    "stale": is_stale(found),
                }
            )
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows).sort_values(["added", "record"], kind="stable")
    return frame.drop_duplicates(["table", "entry", "config_hash", "seed"], keep="last").reset_index(drop=True)


def _with_protocol(trials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A lost trial (diverged, failed) has no final block and so no reference fields: it takes
    them from a scored trial of its configuration in the same record, else of its dataset and
    budget, so that it is counted in the table its configuration is ranked in."""
    from benchbench.report.load import PROTOCOL_KEYS

    keys = (*PROTOCOL_KEYS, "extractor_weights", "final_n_fake", "final_n_real")
    scored = [t for t in trials if t.get("reference_digest") is not None]
    out = []
    for trial in trials:
        if trial.get("reference_digest") is None:
            donor = next((t for t in scored if t.get("config_hash") == trial.get("config_hash")), None) or next(
                (
                    t
                    for t in scored
                    if (t.get("dataset"), t.get("budget")) == (trial.get("dataset"), trial.get("budget"))
                ),
                None,
            )
            if donor is not None:
                trial = trial | {k: donor.get(k) for k in keys}
        out.append(trial)
    return out


def _lower_is_better(primary: str) -> bool:
    from benchbench.metrics.catalog import metric

    try:
        return metric(primary).lower_is_better
    except UserError:  # a metric the catalogue does not know: lower-is-better, as distances are
        return True


def build_tables(records: list[BoardRecord]) -> list[Table]:
    frame = trial_frame(records)
    if frame.empty:
        return []
    tables = []
    for key, rows in frame.groupby("table", sort=True):
        first = rows.iloc[0]
        primary = str(first.get("primary_metric") or "fid")
        found = {k[3:]: first[k] for k in rows.columns if k.startswith("fp_")}
        entries = [
            _entry(group, primary) for (_, _), group in rows.groupby(["entry", "config_hash"], sort=True, dropna=False)
        ]
        names = [e.name for e in entries]
        for e in entries:  # two configurations of one name (two files, two settings) stay apart
            if names.count(e.name) > 1:
                e.name = f"{e.name} ({e.config_hash.split(':')[-1][:8]})"
        table = Table(
            str(key), str(first["division"]), found, bool(first["stale"]), primary, _lower_is_better(primary), entries
        )
        rank(table)
        tables.append(table)
    _name_differences(tables)
    return sorted(tables, key=lambda t: (t.stale, str(t.fingerprint["dataset"]), bool(t.differs), t.division, t.title))


def _entry(group: pd.DataFrame, primary: str) -> Entry:
    first = group.iloc[0]
    entry = Entry(str(first.get("label") or first["entry"]), str(first["family"]), str(first["config_hash"]), group)
    found = outcomes(group, f"final_{primary}")
    entry.kept, entry.lost = len(found.kept), found.reasons
    entry.collapsed = int(group.get("collapse_suspected", pd.Series(dtype=bool)).fillna(False).astype(bool).sum())
    entry.mean, low, high = mean_ci(found.kept)
    floor, ceiling = value_range(primary)  # an interval never reaches where the metric cannot be
    entry.low, entry.high = max(low, floor), min(high, ceiling)
    return entry


def rank(table: Table) -> None:
    """Leader, Holm-adjusted ties with it, and the ranks of the rest (see the module's rules)."""
    sign = 1.0 if table.lower_is_better else -1.0
    scored = sorted((e for e in table.entries if e.kept), key=lambda e: sign * e.mean)
    if not scored:
        return
    leader = scored[0]
    leader.rank, leader.tied = 1, False
    values = {id(e): np.asarray(_kept(e, table.primary)) for e in scored}
    for other in scored[1:]:
        other.p_worse = _p_worse(values[id(leader)], values[id(other)], table.lower_is_better)
    adjusted = holm([e.p_worse for e in scored[1:]])
    for other, p in zip(scored[1:], adjusted):
        other.p_holm = p
        if math.isnan(p):
            other.note = "one seed on a side: cannot be tested against the leader"
        elif p >= ALPHA:
            other.tied, other.rank = True, 1
    better = 1
    for other in scored[1:]:
        if not other.tied and not math.isnan(other.p_holm):
            other.rank = better + 1 if other.rank is None else other.rank
        if not other.tied:
            better += 1


def _kept(entry: Entry, primary: str) -> list[float]:
    return outcomes(entry.trials, f"final_{primary}").kept


def _p_worse(leader: np.ndarray, other: np.ndarray, lower_is_better: bool) -> float:
    """One-sided Welch p of "other is worse than the leader"; nan with one seed on a side."""
    if len(leader) < 2 or len(other) < 2:
        return math.nan
    worse = (other.mean() - leader.mean()) * (1 if lower_is_better else -1)
    if leader.std() == 0 and other.std() == 0:  # exact values: the difference is the answer
        return 0.0 if worse > 0 else 1.0
    alternative = "greater" if lower_is_better else "less"
    return float(stats.ttest_ind(other, leader, equal_var=False, alternative=alternative).pvalue)


def _name_differences(tables: list[Table]) -> None:
    """Each table names the fields in which it differs from its dataset's main table (the one
    with the most entries, today's metric implementations first)."""
    by_dataset: dict[Any, list[Table]] = {}
    for table in tables:
        by_dataset.setdefault(table.fingerprint["dataset"], []).append(table)
    for group in by_dataset.values():
        main = max(group, key=lambda t: (not t.stale, t.division == "trained", len(t.entries)))
        for table in group:
            if table is not main:
                table.differs = differences(table.fingerprint, main.fingerprint) or ["division"]
