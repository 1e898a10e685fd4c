"""Metrics: the catalogue of what a trial reports (catalog.py), image metrics through
torch-fidelity (images.py, extractors.py), 2-D toy metrics (toy.py), ProGAN's pyramid SWD
(swd.py), translation metrics (translation.py), and the Evaluator that scores samples against a
dataset split (evaluator.py).

The heavy parts (torch, torch-fidelity) load on first use, so that reading the catalogue (reports,
the regression gate) does not pay for them.
"""

from __future__ import annotations

from typing import Any

_LAZY = {"Evaluator": "evaluator", "EXTRACTORS": "extractors", "image_computation": "images"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"benchbench.metrics.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'benchbench.metrics' has no attribute {name!r}")


__all__ = ["EXTRACTORS", "Evaluator", "image_computation"]
