"""Every metric a trial reports, declared once: its name (the one name it has in suite files,
the CLI, JSON and columns), column heading, direction, range, whether the regression gate
compares it, what it needs (an extractor's features or logits, a classifier of the dataset's
labels, 2-D points, pixels, translation pairs), whether it is computed along training or only on
the final samples, and which computation yields it. The scorer, trajectory, tables, verdicts,
the gate, claims and the JSON report read this catalogue; none keeps its own list.

A new image metric is one file registering its computation (`image_computation` in
metrics/images.py) plus its `declare` line, here or in that file.

A trial stores a metric under its name in summary.json ("final": {"metrics": {...}}); runs
tables call its columns final_<name> and best_<name>.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from benchbench.errors import UserError
from benchbench.registry import Registry

# What a metric is computed from. The first three are read off a feature extractor.
NEEDS = {
    "features": "the extractor's feature vectors",
    "logits": "the extractor's class logits",
    "classifier": "logits of a classifier of the dataset's own labels",
    "points": "2-D samples (toy distributions)",
    "pixels": "the images themselves",
    "pairs": "translations of a domain pair",
}
EXTRACTOR_NEEDS = ("features", "logits", "classifier")


@dataclass(frozen=True)
class Metric:
    name: str
    heading: str
    lower_is_better: bool
    computed_by: str  # where its number comes from, for the reader
    gated: bool = True  # the regression gate compares it
    bounds: tuple[float, float] | None = None  # its range, where bounded: a gate tolerance never spans more
    # the smallest change that counts, absolute, for a metric whose level can sit near zero (where a
    # relative minimum effect would shrink to nothing): the gate's and the history's floor
    floor: float | None = None
    needs: str = "features"  # a key of NEEDS
    during_training: bool = False  # also computed at each trajectory point (cheap enough)
    computation: str = ""  # the image computation yielding it (metrics/images.py; default: its name)

    def __post_init__(self) -> None:
        if self.needs not in NEEDS:
            raise ValueError(f"metric {self.name!r}: needs {self.needs!r} is not one of {sorted(NEEDS)}")
        if not self.computation:
            object.__setattr__(self, "computation", self.name)

    @property
    def column(self) -> str:
        return f"final_{self.name}"


METRICS: Registry[Metric] = Registry("metric")


def declare(metric: Metric) -> Metric:
    return METRICS.register(metric.name)(metric)


def metric(name: str) -> Metric:
    return METRICS.get(name)


def value_range(name: str) -> tuple[float, float]:
    """Where a metric's true value lies, for clipping an interval drawn around an estimate: its
    bounds, else from 0 (every catalogue metric is a distance, a score, a count or a share; an
    unbiased KID estimate can fall below 0, the quantity it estimates cannot)."""
    bounds = METRICS.get(name).bounds if name in METRICS else None
    return bounds if bounds else (0.0, math.inf)


def unservable(entry: Metric, info: Any) -> str | None:
    """Why an extractor (an ExtractorInfo) cannot give this metric, or None if it can."""
    if entry.needs == "logits" and not info.has_logits:
        return "it has no logits"
    if entry.needs == "classifier" and (info.dataset_classes is None or not info.has_logits):
        return "it is no classifier of the dataset's labels"
    if entry.needs not in EXTRACTOR_NEEDS:
        return f"it is computed from {NEEDS[entry.needs]}, not from a feature extractor"
    return None


def image_metrics(info: Any = None, during_training: bool = False) -> tuple[str, ...]:
    """The metrics computed from a feature extractor, in catalogue order: all of them, or those
    `info` can serve (along training: those marked cheap enough for it)."""
    return tuple(
        m.name
        for m in METRICS.in_order()
        if m.needs in EXTRACTOR_NEEDS
        and (info is None or unservable(m, info) is None)
        and (m.during_training or not during_training)
    )


# Names earlier versions accepted for a computation rather than a metric, and the metrics they
# meant: still read (with a warning) where a user names image metrics.
RENAMED = {"isc": ("is",), "prc": ("precision", "recall"), "swd": ("pyramid_swd",)}
# What scoring images alone (`benchbench eval`) computes unless told: the common ones, less what
# the extractor cannot serve.
STANDALONE_DEFAULTS = ("fid", "kid", "is", "classes", "precision", "recall")


def image_request(names: list[str] | None, info: Any) -> tuple[tuple[str, ...], list[str]]:
    """(the catalogue metrics a list of names asks for on images, one warning per old name used);
    None asks for the defaults this extractor serves. An unknown name is refused."""
    if names is None:
        return tuple(m for m in STANDALONE_DEFAULTS if not unservable(metric(m), info)), []
    wanted: list[str] = []
    warnings = [f"{name} is deprecated: use {', '.join(RENAMED[name])}" for name in names if name in RENAMED]
    for name in names:
        wanted += RENAMED.get(name, (name,))
    known = [m.name for m in METRICS.in_order() if m.needs in (*EXTRACTOR_NEEDS, "pixels")]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise UserError(f"unknown image metrics {unknown} (known: {', '.join(known)})")
    return tuple(dict.fromkeys(wanted)), warnings


# Images, through torch-fidelity with the dataset's feature extractor (metrics/images.py).
declare(Metric("fid", "FID", True, "torch-fidelity", during_training=True))
declare(
    Metric(
        "is",
        "IS",
        False,
        "torch-fidelity (the extractor's logits)",
        needs="logits",
        during_training=True,
        computation="isc",
    )
)
declare(
    Metric(
        "classes",
        "classes drawn",
        False,
        "the dataset's classifier: classes with >= 3% of samples",
        needs="classifier",
        during_training=True,
    )
)
declare(Metric("kid", "KID", True, "torch-fidelity", during_training=True, floor=1e-3))
declare(Metric("precision", "precision", False, "torch-fidelity", bounds=(0.0, 1.0), computation="prc"))
declare(Metric("recall", "recall", False, "torch-fidelity", bounds=(0.0, 1.0), computation="prc"))
# These three cost more than the rest: the trajectory leaves them out, the final scores have them.
declare(Metric("fid_infinity", "FID-inf", True, "torch-fidelity's FID at 15 sample counts, extrapolated in 1/N"))
declare(Metric("density", "density", False, "prdc (Naeem et al. 2020), k = 5", computation="dc"))
declare(Metric("coverage", "coverage", False, "prdc (Naeem et al. 2020), k = 5", bounds=(0.0, 1.0), computation="dc"))
# 2-D points (metrics/toy.py).
declare(Metric("swd", "SWD", True, "sliced Wasserstein distance, scipy", needs="points", floor=0.002))
declare(Metric("modes_covered", "modes", False, "mixture modes with enough high-quality samples", needs="points"))
declare(
    Metric(
        "high_quality_share", "high-quality", False, "samples within 3 std of a mode", bounds=(0.0, 1.0), needs="points"
    )
)
declare(
    Metric("reverse_kl", "reverse KL", True, "KL(generated || real) over nearest modes", needs="points", floor=5e-4)
)
# ProGAN's multi-scale SWD on pixels, when a suite asks for it (metrics/swd.py).
declare(Metric("pyramid_swd", "SWD x1e3", True, "metrics/swd.py (Karras et al. 2018)", needs="pixels"))
# Translation, for domain pairs (metrics/translation.py, through the family's evaluation hook).
declare(
    Metric(
        "label_accuracy",
        "label accuracy",
        False,
        "the target domain's classifier on translations",
        bounds=(0.0, 1.0),
        needs="pairs",
    )
)
declare(Metric("cycle_l1", "cycle L1", True, "mean |F(G(x)) - x|", needs="pairs"))
