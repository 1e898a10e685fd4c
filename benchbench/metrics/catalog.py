"""Every metric a trial reports, declared once: its name, column heading, direction, range and
whether the regression gate compares it. Tables, verdicts, the gate, claims and the JSON report
read this catalogue; none keeps its own list. A new metric is the file that computes it plus one
`declare` line here (and, for one computed on the final samples, a `FINAL_METRICS` entry in
metrics/__init__.py).

A trial stores a metric under its name in summary.json ("final": {"metrics": {...}}); runs
tables call its columns final_<name> and best_<name>.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchbench.registry import Registry


@dataclass(frozen=True)
class Metric:
    name: str
    heading: str
    lower_is_better: bool
    computed_by: str  # where its number comes from, for the reader
    gated: bool = True  # the regression gate compares it
    bounds: tuple[float, float] | None = None  # its range, where bounded: a gate tolerance never spans more

    @property
    def column(self) -> str:
        return f"final_{self.name}"


METRICS: Registry[Metric] = Registry("metric")


def declare(metric: Metric) -> Metric:
    return METRICS.register(metric.name)(metric)


def metric(name: str) -> Metric:
    return METRICS.get(name)


# Images, through torch-fidelity with the dataset's feature extractor (metrics/images.py).
declare(Metric("fid", "FID", True, "torch-fidelity"))
declare(Metric("is", "IS", False, "torch-fidelity (the extractor's logits)"))
declare(Metric("classes", "classes drawn", False, "the dataset's classifier: classes with >= 3% of samples"))
declare(Metric("kid", "KID", True, "torch-fidelity"))
declare(Metric("precision", "precision", False, "torch-fidelity", bounds=(0.0, 1.0)))
declare(Metric("recall", "recall", False, "torch-fidelity", bounds=(0.0, 1.0)))
declare(Metric("fid_infinity", "FID-inf", True, "torch-fidelity's FID at 15 sample counts, extrapolated in 1/N"))
declare(Metric("density", "density", False, "prdc (Naeem et al. 2020), k = 5"))
declare(Metric("coverage", "coverage", False, "prdc (Naeem et al. 2020), k = 5", bounds=(0.0, 1.0)))
# 2-D points (metrics/toy.py).
declare(Metric("swd", "SWD", True, "sliced Wasserstein distance, scipy"))
declare(Metric("modes_covered", "modes", False, "mixture modes with enough high-quality samples"))
declare(Metric("high_quality_share", "high-quality", False, "samples within 3 std of a mode", bounds=(0.0, 1.0)))
declare(Metric("reverse_kl", "reverse KL", True, "KL(generated || real) over nearest modes"))
# ProGAN's multi-scale SWD on pixels, when a suite asks for it (metrics/swd.py).
declare(Metric("pyramid_swd", "SWD x1e3", True, "metrics/swd.py (Karras et al. 2018)"))
# Translation, for domain pairs (metrics/translation.py, through the family's evaluation hook).
declare(
    Metric(
        "label_accuracy", "label accuracy", False, "the target domain's classifier on translations", bounds=(0.0, 1.0)
    )
)
declare(Metric("cycle_l1", "cycle L1", True, "mean |F(G(x)) - x|"))
