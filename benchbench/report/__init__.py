"""Reports: runs loaded into pandas, statistics over seeds, leaderboards and verdicts."""

from benchbench.report.load import flatten, load_runs
from benchbench.report.markdown import render_markdown
from benchbench.report.standings import leaderboard
from benchbench.report.tables import verdicts

__all__ = ["flatten", "leaderboard", "load_runs", "render_markdown", "verdicts"]
