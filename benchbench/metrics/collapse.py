"""When to flag a trial as collapsed, from its final metrics.

Images: an Inception Score below 1.5 means the classifier puts the samples, in effect, into
one or two classes (or into none with confidence): a collapsed generator scores IS ~ 1.0 with
MNIST's 10-class classifier, real test digits about 9.9. 2-D mixtures: one mode or none covered.
"""

from __future__ import annotations

IS_FLOOR = 1.5


def collapse_suspected(metrics: dict[str, float]) -> bool:
    if "is" in metrics:
        return metrics["is"] < IS_FLOOR
    if "modes_covered" in metrics:
        return metrics["modes_covered"] <= 1
    return False
