"""Sample counts a suite asks for, checked against what each metric needs, before any training.

FID estimates a covariance of the extractor's features on each side: n samples give a covariance
of rank at most n - 1, so with no more samples than the feature dimension it is singular, and the
value says more about the count than the model. That holds for the generated samples and for the
reference split they are scored against (validation along training, test at the end). Precision and
recall (torch-fidelity, k = 3 nearest neighbours) and density and coverage (k = 5) read each
sample's (k + 1)-th nearest distance, so they need more than k + 1 samples. A suite that asks
for less is refused with one line, rather than failing its trials or printing numbers that
cannot be compared.
"""

from __future__ import annotations

from typing import Any

from torch_fidelity.defaults import DEFAULTS

from benchbench.datasets import Dataset
from benchbench.metrics.coverage import NEAREST_K

NEIGHBOUR_METRICS = {"precision/recall": int(DEFAULTS["prc_neighborhood"]), "density/coverage": NEAREST_K}


def sample_count_problems(settings: Any, dataset: Dataset) -> list[str]:
    """Why the trials' eval_samples and final_samples cannot be scored on this dataset (empty: they can)."""
    from benchbench.metrics import EXTRACTORS

    if dataset.kind != "image":
        return []  # points are scored on themselves: SWD and mode counts have no such floor
    problems = []
    counts = {"eval_samples": settings.eval_samples, "final_samples": settings.final_samples}
    extractors = [settings.extractor or dataset.extractor, *(settings.final_extractors or [])]
    splits = {"validation": "eval_samples", "test": "final_samples"}
    for name in dict.fromkeys(e for e in extractors if e):
        dim = EXTRACTORS.get(name).feature_dim
        if not dim:
            continue
        for key, count in counts.items():
            if count <= dim:
                problems.append(
                    f"{key} = {count:,} is not more than `{name}`'s {dim:,} features: FID's covariance "
                    f"would be singular (use at least {dim + 1:,})"
                )
        for split, key in splits.items():
            size = len(dataset.reference(split))
            if size <= dim:
                problems.append(
                    f"the {split} split holds {size:,} images, not more than `{name}`'s {dim:,} features: "
                    f"FID against it ({key}) would use a singular covariance"
                )
    for metric, k in NEIGHBOUR_METRICS.items():
        for key, count in counts.items():
            if count <= k + 1:
                problems.append(f"{key} = {count:,}: {metric} (k = {k}) needs more than {k + 1} samples")
    return problems
