"""When to flag a trial as collapsed, from its final metrics.

Labelled images (the dataset's own classifier is the extractor): fewer than half of the classes
drawn, a class counting when at least 3% of the samples fall into it (metrics/images.py). A
generator that draws four digits of ten has lost most of the distribution, whatever its FID.
Other images: an Inception Score below 1.5, i.e. the samples fall, in effect, into one or two
classes (a collapsed generator scores IS ~ 1.0 with MNIST's classifier, real test digits ~ 9.9).
2-D mixtures: one mode or none covered.
"""

from __future__ import annotations

IS_FLOOR = 1.5


def collapse_suspected(metrics: dict[str, float], classes: int | None = None) -> bool:
    """`classes`: how many classes the dataset has, when `metrics` holds the classes drawn."""
    if classes and "classes" in metrics:
        return metrics["classes"] < classes / 2
    if "is" in metrics:
        return metrics["is"] < IS_FLOOR
    if "modes_covered" in metrics:
        return metrics["modes_covered"] <= 1
    return False
