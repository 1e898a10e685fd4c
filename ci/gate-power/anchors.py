"""What a gate suite's metrics read for real data and for noise, at the suite's final sample
count and split: the two ends between which every gated entry must sit ("clearly better than
noise, clearly short of real data", docs/gate.md).

    python ci/gate-power/anchors.py [SUITE]      # default: regression; prints a Markdown table

Real: the dataset's own training samples. Noise, for images: uniform random pixels; for 2-D
points: one Gaussian with the data's mean and covariance (a generator that learned only the
first two moments), and uniform points over the data's bounding box.
"""

from __future__ import annotations

import sys

import pandas as pd
import torch

from benchbench.datasets import load as load_dataset
from benchbench.metrics.evaluator import Evaluator
from benchbench.suite import load as load_suite


def anchors(dataset_name: str, n: int) -> dict[str, dict[str, float]]:
    dataset = load_dataset(dataset_name)
    evaluator = Evaluator(dataset, None, torch.device("cpu"))
    generator = torch.Generator().manual_seed(0)
    real = dataset.reference("train", n)
    samples = {"real (training data)": real}
    if dataset.kind == "image":
        samples["uniform noise"] = torch.randint(0, 256, real.shape, dtype=torch.uint8, generator=generator)
    else:
        points = real.double()
        mean, cov = points.mean(0), torch.cov(points.T)
        normal = torch.distributions.MultivariateNormal(mean, cov)
        torch.manual_seed(0)
        samples["one Gaussian (data mean, covariance)"] = normal.sample((n,)).float()
        low, high = points.min(0).values, points.max(0).values
        samples["uniform over the data's box"] = (
            low + (high - low) * torch.rand(n, 2, generator=generator, dtype=torch.float64)
        ).float()
    return {name: evaluator.evaluate_samples(values, "test")[0] for name, values in samples.items()}


def main() -> None:
    suite = load_suite(sys.argv[1] if len(sys.argv) > 1 else "regression")
    for dataset in suite.datasets:
        table = pd.DataFrame(anchors(dataset, suite.settings.final_samples)).T
        print(f"\n{dataset}, {suite.settings.final_samples} samples against the test split:\n")
        print(
            table.drop(columns=[c for c in table if c.endswith(("_std", "_total", "top_class_share"))]).to_markdown(
                floatfmt=".4g"
            )
        )


if __name__ == "__main__":
    main()
