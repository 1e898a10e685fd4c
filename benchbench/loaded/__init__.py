"""Generators trained elsewhere: opened from their files (generators.py) and scored as runs (run.py)."""

from benchbench.loaded.generators import LoadedGenerator, open_generator
from benchbench.loaded.run import score_loaded

__all__ = ["LoadedGenerator", "open_generator", "score_loaded"]
