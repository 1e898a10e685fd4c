"""A board as data: leaderboard.json (benchbench/board/leaderboard.schema.json), entries.csv and
trials.csv, and each entry as a Hugging Face `model-index` block (the results format of model
cards on the Hub)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from benchbench.board.fingerprint import FIELDS
from benchbench.board.published import Figure
from benchbench.board.tables import Entry, Table

TRIAL_COLUMNS = (
    "record", "trial", "entry", "label", "family", "division", "dataset", "seed", "budget", "status",
    "config_hash", "commit", "machine", "added", "versions", "device", "extractor", "primary_metric",
)  # fmt: skip


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def entry_document(entry: Entry, table: Table) -> dict[str, Any]:
    trials = entry.trials
    return {
        "name": entry.name,
        "family": entry.family,
        "config_hash": entry.config_hash,
        "page": f"entries/{table.key}-{entry.slug}.html",
        "rank": entry.rank,
        "tied_with_leader": entry.tied,
        "note": entry.note or None,
        "metric": table.primary,
        "mean": _number(entry.mean),
        "ci95": [_number(entry.low), _number(entry.high)],
        "seeds_kept": entry.kept,
        "seeds_lost": entry.lost,
        "seeds_collapsed": entry.collapsed,
        "p_worse_than_leader": _number(entry.p_worse),
        "p_holm": _number(entry.p_holm),
        "train_seconds": _number(entry.cost("train_seconds")),
        "kimg": _number(entry.cost("kimg")),
        "trials": [
            {k: (None if pd.isna(v) else v) for k, v in row.items() if k in TRIAL_COLUMNS}
            | {"value": _number(pd.to_numeric(row.get(f"final_{table.primary}"), errors="coerce"))}
            for row in trials.to_dict("records")
        ],
    }


def beside(table: Table, figures: list[Figure]) -> list[dict[str, Any]]:
    """The published figures of this table's dataset and metric, each with the measured entry of
    its family (if any), the difference and the protocol fields that differ."""
    out: list[dict[str, Any]] = []
    if table.differs or table.stale or table.division != "trained":  # beside the dataset's main table only
        return out
    for figure in figures:
        if figure.protocol.get("dataset") != table.fingerprint.get("dataset") or figure.metric != table.primary:
            continue
        measured = next((e for e in table.entries if e.family == figure.family and e.kept), None)
        differing = [FIELDS[k] for k, v in figure.protocol.items() if k in FIELDS and table.fingerprint.get(k) != v]
        out.append(
            {
                "label": figure.label,
                "family": figure.family,
                "published_mean": figure.mean,
                "published_std": figure.std,
                "measured_mean": _number(measured.mean) if measured else None,
                "difference": _number(measured.mean - figure.mean) if measured else None,
                "protocol_differs_in": differing,
                "citation": figure.citation,
                "where": figure.where,
                "url": figure.url,
            }
        )
    return out


def board_document(tables: list[Table], figures: list[Figure], stamp: dict[str, Any]) -> dict[str, Any]:
    return {
        "board_format": 1,
        "built": stamp,
        "tables": [
            {
                "key": t.key,
                "title": t.title,
                "division": t.division,
                "stale": t.stale,
                "metric": t.primary,
                "lower_is_better": t.lower_is_better,
                "fingerprint": t.fingerprint,
                "differs_from_main_table_in": t.differs,
                "entries": [entry_document(e, t) for e in t.entries],
                "published": beside(t, figures),
            }
            for t in tables
        ],
    }


def entries_csv(document: dict[str, Any]) -> str:
    rows = [
        {"table": t["title"], "division": t["division"], "stale": t["stale"], "metric": t["metric"]}
        | {k: v for k, v in e.items() if k not in ("trials", "ci95", "seeds_lost")}
        | {"ci95_low": e["ci95"][0], "ci95_high": e["ci95"][1], "seeds_lost": sum(e["seeds_lost"].values())}
        for t in document["tables"]
        for e in t["entries"]
    ]
    return pd.DataFrame(rows).to_csv(index=False)


def trials_csv(document: dict[str, Any]) -> str:
    rows = [
        {"table": t["title"], "metric": t["metric"], "entry_name": e["name"]} | trial
        for t in document["tables"]
        for e in t["entries"]
        for trial in e["trials"]
    ]
    return pd.DataFrame(rows).to_csv(index=False)


def model_index(entry: dict[str, Any], table: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry as a Hugging Face model-index block: the mean of the table's metric over its
    kept seeds, the dataset, and the protocol in the metric's name (extractor and budget)."""
    fp = table["fingerprint"]
    return [
        {
            "name": entry["name"],
            "results": [
                {
                    "task": {"type": "unconditional-image-generation", "name": "Unconditional image generation"},
                    "dataset": {"type": str(fp["dataset"]), "name": str(fp["dataset"]), "split": "test"},
                    "metrics": [
                        {
                            "type": table["metric"],
                            "value": entry["mean"],
                            "name": f"{table['metric'].upper()} ({fp['extractor']}, {entry['seeds_kept']} seeds, "
                            f"budget {fp['budget']})",
                            "verified": False,
                        }
                    ],
                    "source": {"name": "benchbench", "url": entry["page"]},
                }
            ],
        }
    ]
