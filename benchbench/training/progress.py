"""What a trial says while it trains: a tqdm bar on a terminal, or, in a log file or beside other
trials (jobs > 1), one line per trial at intervals with the step, the budget used, the latest
validation metric and an estimate of the time left. Everything goes to stderr."""

from __future__ import annotations

import sys
import time
from typing import Any

from tqdm import tqdm

LINE_EVERY_SECONDS = 30.0
MODES = ("bar", "lines", "off")


class Progress:
    def __init__(self, name: str, mode: str, clock: Any = time.monotonic) -> None:
        if mode not in MODES:
            raise ValueError(f"progress mode {mode!r} is not one of {MODES}")
        self.name, self.mode, self.clock = name, mode, clock
        self.started = self.last_line = clock()
        self.bar = tqdm(total=100, desc=name[:48], unit="%", leave=False, file=sys.stderr) if mode == "bar" else None

    def say(self, text: str) -> None:
        """A line that matters whatever the mode (a resume, the start of the final evaluation)."""
        if self.mode == "off":
            return
        line = f"  {self.name}: {text}"
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr, flush=True)

    def update(self, fraction: float, step: int, metric: str | None = None, force: bool = False) -> None:
        """`fraction` of the budget spent after `step` steps; a line at most every 30 s."""
        if self.bar is not None:
            self.bar.update(int(100 * fraction) - self.bar.n)
            if metric:
                self.bar.set_postfix_str(metric, refresh=False)
            return
        now = self.clock()
        if self.mode == "off" or not (force or now - self.last_line >= LINE_EVERY_SECONDS):
            return
        self.last_line = now
        elapsed = now - self.started
        eta = f", about {elapsed * (1 - fraction) / fraction:.0f} s left" if 0 < fraction < 1 else ""
        latest = f", {metric}" if metric else ""
        self.say(f"step {step}, {100 * fraction:.0f}% of the budget{latest}{eta}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
