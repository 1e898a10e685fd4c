"""Which commit a result was made at, and when: from CI's variables or git, the committer's time
written as UTC (git's %cI gives the committer's own offset, and ISO strings of mixed offsets do
not sort). The gate's history and the leaderboard label their records with these."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def moment(text: str | None) -> datetime | None:
    """An ISO 8601 time with any offset (git's %cI gives the committer's; none: UTC) as a UTC datetime."""
    if not text:
        return None
    try:
        found = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def utc(text: str | None) -> str | None:
    """The same time written as UTC, 'Z'; None if unreadable."""
    found = moment(text)
    return (
        None
        if found is None
        else found.strftime("%Y-%m-%dT%H:%M:%S") + (f".{found.microsecond:06d}Z" if found.microsecond else "Z")
    )


def commit_time(commit: str, cwd: Path | None = None) -> str | None:
    """The commit's committer time as UTC, if git knows the commit here."""
    return utc(_git("show", "-s", "--format=%cI", commit, cwd=cwd))


def current_commit(cwd: Path | None = None) -> tuple[str, str | None]:
    """(commit, its committer time) from CI's variables or git; ("unknown", None) without either."""
    commit = os.environ.get("GITHUB_SHA") or os.environ.get("CI_COMMIT_SHA") or _git("rev-parse", "HEAD", cwd=cwd)
    if not commit:
        return "unknown", None
    return commit, commit_time(commit, cwd)


def _git(*args: str, cwd: Path | None = None) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
