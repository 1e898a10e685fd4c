"""A board as a static site: index.html and a page per entry, opened from the folder without a
server, beside leaderboard.json (+ schema), entries.csv, trials.csv, the model-index blocks, the
records themselves and the sample grids.

Every text that came from a record is HTML-escaped and every link is percent-encoded, so a
family named `<script>` or a path with spaces is shown as what it is. Sorting and filtering are
a few lines of inline JavaScript over the rendered rows (no framework, nothing fetched).
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from benchbench.board.exports import board_document, entries_csv, model_index, trials_csv
from benchbench.board.plots import curves, quality_against_cost
from benchbench.board.published import Figure
from benchbench.board.records import ASSETS, RECORDS, BoardRecord
from benchbench.board.tables import Table, build_tables
from benchbench.results.io import atomic_write_text
from benchbench.version import __version__

SCRIPT = """
document.querySelectorAll('table.ranked th').forEach(function (th) {
  th.addEventListener('click', function () {
    var column = th.cellIndex, body = th.closest('table').tBodies[0], up = th.dataset.order !== 'up';
    th.dataset.order = up ? 'up' : 'down';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
      var nx = parseFloat(x), ny = parseFloat(y), c;
      if (!isNaN(nx) && !isNaN(ny)) { c = nx - ny; } else if (isNaN(nx) !== isNaN(ny)) { c = isNaN(nx) ? 1 : -1; }
      else { c = String(x).localeCompare(String(y)); }
      return up ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
function applyFilters() {
  var chosen = {};
  document.querySelectorAll('select.filter').forEach(function (s) { chosen[s.name] = s.value; });
  document.querySelectorAll('section.board-table').forEach(function (section) {
    var shown = Object.keys(chosen).every(function (k) { return !chosen[k] || section.dataset[k] === chosen[k]; });
    section.hidden = !shown;
  });
}
document.querySelectorAll('select.filter').forEach(function (s) { s.addEventListener('change', applyFilters); });
"""
STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; } table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: 3px 7px; font-size: 13px; } th { background: #f2f2f2; cursor: pointer; }
td.num { text-align: right; } tr.tied td { background: #f4f9ff; } .note { color: #666; font-size: 12px; }
.flag { color: #a40; } img { max-width: 100%; }
"""


def _number(value: Any, digits: int = 4) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    return "" if not math.isfinite(number) else f"{number:.{digits}g}"


def _cell(text: str, value: Any = None, numeric: bool = False) -> str:
    sort = escape(str(text if value is None else value), quote=True)
    return f'<td data-value="{sort}"{" class=num" if numeric else ""}>{text}</td>'


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>\n{body}\n<script>{SCRIPT}</script></body></html>\n"
    )


def _link(path: str, text: str) -> str:
    return f'<a href="{quote(path)}">{text}</a>'


def stamp_of(records: list[BoardRecord], figures_text: str) -> dict[str, Any]:
    """What a build is: benchbench's version, the date of its newest record and a hash of its
    inputs (so the same records and figures rebuild the same site)."""
    digest = hashlib.sha256(figures_text.encode())
    for record in sorted(records, key=lambda r: r.id):
        digest.update(f"{record.id}|{record.data['content']}\n".encode())
    dates = [str((r.data.get("added_from") or {}).get("added") or "") for r in records]
    return {"benchbench": __version__, "date": max(dates, default=""), "inputs": "sha256:" + digest.hexdigest()}


def _lost_text(entry: Any) -> str:
    parts = [f"{n} {why}" for why, n in sorted(entry.lost.items())]
    if entry.collapsed:
        parts.append(f"{entry.collapsed} collapsed")
    return f'<span class="flag">{escape(", ".join(parts))}</span>' if parts else ""


def _table_section(table: Table, document: dict[str, Any], pictures: dict[str, str]) -> str:
    fp = table.fingerprint
    attrs = " ".join(
        f'data-{k}="{escape(str(v), quote=True)}"'
        for k, v in (("dataset", fp["dataset"]), ("division", table.division), ("budget", fp["budget"]))
    )
    head = ["rank", "entry", f"final {table.primary} (t 95% CI)", "seeds", "lost", "p vs leader (Holm)"]
    head += ["train s", "kimg"]
    rows = []
    for entry in sorted(table.entries, key=lambda e: (e.rank is None, e.rank or 0, e.name)):
        page = f"entries/{table.key}-{entry.slug}.html"
        rank = "" if entry.rank is None else f"{entry.rank}{'=' if entry.tied else ''}"
        interval = f"{_number(entry.mean)} [{_number(entry.low)}, {_number(entry.high)}]" if entry.kept else "no value"
        cells = [
            _cell(escape(rank) or "&ndash;", entry.rank if entry.rank is not None else ""),
            _cell(_link(page, escape(entry.name)), entry.name),
            _cell(escape(interval), entry.mean, True),
            _cell(str(entry.kept + sum(entry.lost.values())), entry.kept, True),
            _cell(_lost_text(entry), sum(entry.lost.values()) + entry.collapsed),
            _cell(escape(_number(entry.p_holm, 3) or entry.note), entry.p_holm, True),
            _cell(_number(entry.cost("train_seconds")), entry.cost("train_seconds"), True),
            _cell(_number(entry.cost("kimg")), entry.cost("kimg"), True),
        ]
        rows.append(f'<tr class="{"tied" if entry.tied else ""}">{"".join(cells)}</tr>')
    differs = (
        f'<p class="note">Not ranked with the main {escape(str(fp["dataset"]))} table: differs in '
        f"{escape(', '.join(table.differs))}.</p>"
        if table.differs
        else ""
    )
    details = "".join(f"<li>{escape(k)}: <code>{escape(str(v))}</code></li>" for k, v in fp.items())
    published = _published(next(t for t in document["tables"] if t["key"] == table.key)["published"])
    images = "".join(f'<img src="{quote(p)}" alt="{escape(a)}">' for a, p in pictures.items())
    return (
        f'<section class="board-table" {attrs}><h2>{escape(table.title)}</h2>{differs}'
        f'<table class="ranked"><thead><tr>{"".join(f"<th>{escape(h)}</th>" for h in head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="note">Ranks: entries not significantly worse than the leader (one-sided Welch, Holm over the '
        f"table, alpha 0.05) share rank 1 (shown 1=).</p>{published}{images}"
        f"<details><summary>protocol fingerprint</summary><ul>{details}</ul></details></section>"
    )


def _published(items: list[dict[str, Any]]) -> str:
    if not items:
        return ""
    rows = "".join(
        f"<tr><td>{escape(i['label'])}</td><td>{_number(i['published_mean'])} &plusmn; {_number(i['published_std'])}</td>"
        f"<td>{_number(i['measured_mean'])}</td><td>{_number(i['difference'])}</td>"
        f"<td>{escape(', '.join(i['protocol_differs_in']) or 'none')}</td>"
        f"<td>{escape(i['citation'])}{', ' + escape(i['where']) if i['where'] else ''}</td></tr>"
        for i in items
    )
    return (
        "<h3>Published figures (not ranked)</h3><table><tr><th>published</th><th>paper</th><th>measured here</th>"
        f"<th>difference</th><th>protocol differs in</th><th>source</th></tr>{rows}</table>"
    )


def _filters(tables: list[Table]) -> str:
    out = []
    for name, values in (
        ("dataset", sorted({str(t.fingerprint["dataset"]) for t in tables})),
        ("division", sorted({t.division for t in tables})),
        ("budget", sorted({str(t.fingerprint["budget"]) for t in tables})),
    ):
        options = "".join(f'<option value="{escape(v, quote=True)}">{escape(v)}</option>' for v in values)
        out.append(
            f'<label>{name} <select class="filter" name="{name}"><option value="">all</option>{options}</select></label> '
        )
    return "<p>" + "".join(out) + "</p>"


def build_site(board: Path, out: Path, records: list[BoardRecord], figures: list[Figure], figures_text: str) -> dict:
    """Write the site into `out`; its leaderboard document."""
    from benchbench.board.entry_pages import entry_page

    tables = build_tables(records)
    stamp = stamp_of(records, figures_text)
    document = board_document(tables, figures, stamp)
    for folder in (RECORDS, ASSETS, "entries", "plots", "model-index"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    for record in records:
        shutil.copyfile(record.path, out / RECORDS / record.path.name)
    if (board / ASSETS).is_dir():
        shutil.copytree(board / ASSETS, out / ASSETS, dirs_exist_ok=True)
    sections = []
    for table, data in zip(tables, document["tables"]):
        pictures = {}
        if quality_against_cost(table, out / "plots" / f"{table.key}-cost.png"):
            pictures[f"final {table.primary} against cost"] = f"plots/{table.key}-cost.png"
        if curves(table, out / "plots" / f"{table.key}-curves.png"):
            pictures["validation curves"] = f"plots/{table.key}-curves.png"
        sections.append(_table_section(table, document, pictures))
        for entry, entry_data in zip(table.entries, data["entries"]):
            atomic_write_text(out / entry_data["page"], _page(entry.name, entry_page(entry, table, entry_data)))
            if entry_data["mean"] is not None:
                block = json.dumps({"model-index": model_index(entry_data, data)}, indent=1)
                atomic_write_text(out / "model-index" / f"{table.key}-{entry.slug}.json", block + "\n")
    downloads = " · ".join(
        _link(name, name) for name in ("leaderboard.json", "leaderboard.schema.json", "entries.csv", "trials.csv")
    )
    header = (
        f"<h1>benchbench leaderboard</h1><p class=note>benchbench {escape(stamp['benchbench'])}, records to "
        f"{escape(stamp['date'])}, inputs {escape(stamp['inputs'][:23])}. Download: {downloads}</p>"
    )
    body = header + _filters(tables) + ("".join(sections) or "<p>No records yet.</p>")
    atomic_write_text(out / "index.html", _page("benchbench leaderboard", body))
    atomic_write_text(out / "leaderboard.json", json.dumps(document, indent=1, default=str) + "\n")
    schema = Path(__file__).with_name("leaderboard.schema.json")
    shutil.copyfile(schema, out / "leaderboard.schema.json")
    atomic_write_text(out / "entries.csv", entries_csv(document))
    atomic_write_text(out / "trials.csv", trials_csv(document))
    return document
