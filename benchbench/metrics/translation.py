"""Metrics of unpaired translation, beside FID in the target domain (which the Evaluator gives).

- cycle_l1: mean |F(G(x)) - x| over the split's source images, in model units ([-1, 1]): how
  much of the input survives the round trip (Zhu et al. 2017's cycle-consistency, measured).
- label_accuracy: a target-domain digit classifier's accuracy on translated source images
  against the source labels (label preservation, as in CyCADA's digit experiments, Hoffman et
  al. 2018); label_accuracy_untranslated: the same classifier on the untranslated source
  images, the number translation should beat.
Both use the first `n` source images of the split (all of them when the split is smaller).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import torch

from benchbench.metrics.mnist_classifier import DigitNet, accuracy, load_classifier

CLASSIFIERS = {"mnist-classifier": load_classifier}


@lru_cache(maxsize=None)
def _classifier(name: str) -> DigitNet:
    return CLASSIFIERS[name]()


def translation_metrics(family: Any, dataset: Any, split: str, n: int, device: torch.device) -> dict[str, float]:
    """{} for data that is not a domain pair."""
    if not hasattr(dataset, "source_splits"):
        return {}
    source = dataset.source(split, n)
    out: dict[str, float] = {}
    if hasattr(family, "reconstruct"):
        x = dataset.to_model(source)
        out["cycle_l1"] = float(torch.cat([
            (family.reconstruct(batch.to(device)).cpu() - batch).abs().flatten(1).mean(1) for batch in x.split(500)
        ]).mean())  # fmt: skip
    if dataset.label_classifier and dataset.source_labels is not None:
        labels = dataset.source_labels[split][: len(source)]
        net = _classifier(dataset.label_classifier)
        translated = dataset.from_model(family.sample(len(source), split=split))
        out["label_accuracy"] = accuracy(net, translated, labels)
        out["label_accuracy_untranslated"] = accuracy(net, source, labels)
    return out
