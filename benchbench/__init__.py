"""benchbench: compare GAN families under the same budget, honestly.

The public names below are the stable API (docs/writing-a-family.md): what a family, dataset or
feature extractor of another package builds on, and the Python entry points `run` and `load`.
They are imported on first use, so that `import benchbench` (and `benchbench --help`) stays
light: torch loads only when a name that needs it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from benchbench.version import __version__

# public name -> the module that defines it
_PUBLIC = {
    # writing a family
    "Family": "benchbench.families.base",
    "TwoPlayerFamily": "benchbench.families.base",
    "update": "benchbench.families.base",
    "RealBatches": "benchbench.families.base",
    "Logs": "benchbench.families.base",
    "frozen": "benchbench.families.base",
    "log_uniform": "benchbench.families.base",
    "uniform": "benchbench.families.base",
    "integers": "benchbench.families.base",
    "one_of": "benchbench.families.base",
    "beta1_with": "benchbench.families.base",
    "NetSpec": "benchbench.nets",
    "Trace": "benchbench.diagnostics",
    "Panel": "benchbench.diagnostics",
    "Against": "benchbench.diagnostics",
    "SeriesNote": "benchbench.diagnostics",
    # writing a dataset or a feature extractor
    "Dataset": "benchbench.datasets.base",
    "BatchStream": "benchbench.datasets.base",
    "split_off": "benchbench.datasets.base",
    "ExtractorInfo": "benchbench.metrics.extractors",
    "local_extractor": "benchbench.metrics.local",
    # registries, for registering from a script or notebook
    "FAMILIES": "benchbench.families",
    "DATASETS": "benchbench.datasets",
    "EXTRACTORS": "benchbench.metrics.extractors",
    # running and reading
    "run": "benchbench.api",
    "load": "benchbench.api",
    "Results": "benchbench.api",
    "Overrides": "benchbench.suite",
    "check_family": "benchbench.contract",
    "UserError": "benchbench.errors",
}

__all__ = [
    "DATASETS",
    "EXTRACTORS",
    "FAMILIES",
    "BatchStream",
    "Dataset",
    "ExtractorInfo",
    "Family",
    "Logs",
    "NetSpec",
    "Overrides",
    "Panel",
    "RealBatches",
    "Results",
    "SeriesNote",
    "Trace",
    "TwoPlayerFamily",
    "UserError",
    "Against",
    "__version__",
    "beta1_with",
    "check_family",
    "frozen",
    "integers",
    "load",
    "local_extractor",
    "log_uniform",
    "one_of",
    "run",
    "split_off",
    "uniform",
    "update",
]

if TYPE_CHECKING:
    from benchbench.api import Results, load, run
    from benchbench.contract import check_family
    from benchbench.datasets import DATASETS
    from benchbench.datasets.base import BatchStream, Dataset, split_off
    from benchbench.errors import UserError
    from benchbench.families import FAMILIES
    from benchbench.families.base import (
        Family,
        Logs,
        RealBatches,
        TwoPlayerFamily,
        beta1_with,
        frozen,
        integers,
        log_uniform,
        one_of,
        uniform,
        update,
    )
    from benchbench.metrics.extractors import EXTRACTORS, ExtractorInfo
    from benchbench.metrics.local import local_extractor
    from benchbench.nets import NetSpec
    from benchbench.suite import Overrides


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'benchbench' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
