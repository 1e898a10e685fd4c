"""Metrics of unpaired translation, beside FID in the target domain (which the Evaluator gives).

- cycle_l1: mean |F(G(x)) - x| over the split's source images, in model units ([-1, 1]): how
  much of the input survives the round trip (Zhu et al. 2017's cycle-consistency, measured).
- label_accuracy: a target-domain digit classifier's accuracy on translated source images
  against the source labels (label preservation, as in CyCADA's digit experiments, Hoffman et
  al. 2018); label_accuracy_untranslated: the same classifier on the untranslated source
  images, the number translation should beat.
Both use the source images the family translated for the split's FID: its first ones, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import torch

from benchbench.metrics.mnist_classifier import DigitNet, accuracy, load_classifier

CLASSIFIERS = {"mnist-classifier": load_classifier}


@cache
def _classifier(name: str) -> DigitNet:
    return CLASSIFIERS[name]()


def translation_metrics(
    reconstruct: Callable[[torch.Tensor], torch.Tensor],
    dataset: Any,
    split: str,
    translated: torch.Tensor,
    device: torch.device,
) -> dict[str, float]:
    """Metrics of `translated` (uint8, a translation family's samples for `split` of a domain pair:
    its first source images, translated in order); `reconstruct` maps source images to F(G(x))."""
    source = dataset.source(split, len(translated))
    out: dict[str, float] = {}
    x = dataset.to_model(source)
    out["cycle_l1"] = float(
        torch.cat(
            [(reconstruct(batch.to(device)).cpu() - batch).abs().flatten(1).mean(1) for batch in x.split(500)]
        ).mean()
    )
    if dataset.label_classifier and dataset.source_labels is not None:
        labels = dataset.source_labels[split][: len(source)]
        net = _classifier(dataset.label_classifier)
        out["label_accuracy"] = accuracy(net, translated, labels)
        out["label_accuracy_untranslated"] = accuracy(net, source, labels)
    return out
