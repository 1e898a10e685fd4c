"""The version, in one place (pyproject.toml reads it from here)."""

__version__ = "0.4.0"

# The version of the metric implementations: raised whenever a change moves any metric's value
# for the same samples. A leaderboard marks records measured under another version as stale.
METRICS_VERSION = "1"
