"""Leaderboards that accumulate: records of runs (records.py, in the shared record store),
tables of comparable entries (fingerprint.py, tables.py), published figures beside them
(published.py), and the static site that shows them (site.py, entry_pages.py, plots.py,
exports.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchbench.board.records import add_run, open_board


def build(board: Path, out: Path, published: list[Path] | None = None) -> dict[str, Any]:
    """Build a board's site into `out` (published: figure files; None: the shipped example)."""
    from benchbench.board.published import read_published, shipped_path
    from benchbench.board.site import build_site
    from benchbench.errors import UserError

    records = open_board(board)
    files = [shipped_path()] if published is None else published
    figures, texts = [], []
    for path in files:
        figures += read_published(path)
        texts.append(path.read_text())
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot write the site to {out}: {error.strerror or error}") from None
    return build_site(board, out, records, figures, "\n".join(texts))


__all__ = ["add_run", "build", "open_board"]
