"""An entry's page: every trial its cell came from (record, commit, version, machine, date,
seed, status and reason, value), where a loaded generator came from, and its sample grids."""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any
from urllib.parse import quote

import pandas as pd

from benchbench.board.fingerprint import recorded_versions
from benchbench.board.tables import Entry, Table


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return escape(f"{value:.5g}" if isinstance(value, float) else str(value))


def _status(row: dict[str, Any]) -> str:
    status = str(row.get("status"))
    if status == "diverged":
        return f"diverged at step {_text(row.get('diverged_at_step'))}"
    if status == "failed":
        return f"failed: {_text(row.get('error'))}"
    return status + (" (collapse suspected)" if row.get("collapse_suspected") is True else "")


def entry_page(entry: Entry, table: Table, data: dict[str, Any]) -> str:
    rows, grids = [], []
    for row in entry.trials.to_dict("records"):
        row = {k: (None if not isinstance(v, list) and pd.isna(v) else v) for k, v in row.items()}
        record = f"../records/{row['record']}.json"
        version = recorded_versions(row).get("benchbench", "")
        cells = [
            escape(str(row["trial"])),
            _text(row.get("seed")),
            escape(_status(row)),
            _text(row.get(f"final_{table.primary}")),
            escape(str(row.get("commit") or "")[:12]),
            escape(version),
            escape(str(row.get("machine") or "")),
            escape(str(row.get("added") or "")),
            f'<a href="{quote(record)}">{escape(str(row["record"]))}</a>',
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        if row.get("samples"):
            alt = f"{entry.name} seed {row.get('seed')}"
            grids.append(f'<figure><img src="{quote("../" + str(row["samples"]))}" alt="{escape(alt)}">'
                         f"<figcaption>{escape(alt)}</figcaption></figure>")  # fmt: skip
    loaded = next((r for r in entry.trials.get("loaded_from", []) if isinstance(r, str) and r), None)
    source = ""
    if loaded:
        found = json.loads(loaded)
        source = (
            f"<p>Loaded generator: {escape(str(found.get('file')))} ({escape(str(found.get('form')))}), "
            f"{escape(str(found.get('sha256')))}, from {escape(str(found.get('path')))}.</p>"
        )
    head = ["trial", "seed", "status", table.primary, "commit", "benchbench", "machine", "added", "record"]
    interval = f"{_text(entry.mean)} [{_text(entry.low)}, {_text(entry.high)}]"
    return (
        f'<p><a href="../index.html">&larr; leaderboard</a></p><h1>{escape(entry.name)}</h1>'
        f"<p>{escape(table.title)}: final {escape(table.primary)} {interval} over {entry.kept} kept seeds; "
        f"rank {_text(entry.rank)}{' (tied with the leader)' if entry.tied else ''}. Config hash "
        f"<code>{escape(entry.config_hash)}</code>.</p>{source}"
        f"<table><tr>{''.join(f'<th>{escape(h)}</th>' for h in head)}</tr>{''.join(rows)}</table>"
        f"{_model_index_link(data)}{''.join(grids)}"
    )


def _model_index_link(data: dict[str, Any]) -> str:
    if data["mean"] is None:  # no kept seed: nothing to export
        return ""
    path = "../" + data["page"].replace("entries/", "model-index/").replace(".html", ".json")
    return f'<p><a href="{quote(path)}">model-index block</a></p>'
