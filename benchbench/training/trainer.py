"""The trainer: runs one trial to its budget, evaluating, checkpointing and timing as it goes.

It knows no family by name: it builds the family from the registry and calls `train_step`.
Training seconds cover `train_step` alone; evaluation, checkpoints and sample grids are timed
apart. A rerun on the same trial directory skips a finished trial and resumes an interrupted
one from its last checkpoint (weights, optimiser states, RNG, data position, counters).
"""

from __future__ import annotations

import copy
import math
import random
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

import benchbench.datasets as datasets
import benchbench.training.speed as speed
from benchbench.diagnostics import record
from benchbench.environment import available_cores, device_info, threads_per_trial, versions
from benchbench.errors import UserError
from benchbench.families import FAMILIES, Family
from benchbench.metrics.evaluator import Evaluator
from benchbench.nets import DEFAULT_LATENT_DIM, NetSpec, count_parameters
from benchbench.results import SCHEMA_VERSION, read_json, write_json
from benchbench.results.io import atomic_write_text
from benchbench.training.batches import real_batches
from benchbench.training.checkpoints import CheckpointStore
from benchbench.training.convergence import convergence, resolve_threshold
from benchbench.training.final import FinalScorer, peak_memory_mb
from benchbench.training.flops import step_flops
from benchbench.training.logs import CUDA_READ_EVERY, LogSums
from benchbench.training.progress import Progress
from benchbench.training.randomness import random_state_kept
from benchbench.training.reference import SpeedReference, relative_speed
from benchbench.training.samples import save_sample_grid
from benchbench.training.state import Run, TrialState, eval_fractions
from benchbench.training.trial import Trial

FINISHED = ("completed", "diverged")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build(trial: Trial, device: torch.device) -> tuple[datasets.Dataset, NetSpec, Family]:
    """Dataset, network spec and family for a trial; bad names or settings raise UserError."""
    dataset = datasets.load(trial.dataset, **trial.dataset_options)
    s = trial.settings
    arch = s.arch or dataset.arch
    spec = NetSpec(
        arch,
        dataset.shape,
        s.latent_dim or DEFAULT_LATENT_DIM.get(arch, 64),
        s.width,
        s.g_norm,
        source_shape=dataset.source_shape,
    )
    family = FAMILIES.get(trial.family)(spec, trial.family_config, device)
    family.use_dataset(dataset)
    return dataset, spec, family


def _all_finite(family: Family) -> bool:
    return all(torch.isfinite(p).all() for m in family.modules().values() for p in m.parameters())


class TrialRunner:
    def __init__(
        self,
        trial: Trial,
        trial_dir: Path,
        device: torch.device,
        progress: str = "off",
        threads: int | None = None,
        clock: Callable[[], float] = time.perf_counter,
        sharing: int = 1,
    ) -> None:
        self.trial, self.dir, self.device = trial, trial_dir, device
        self.sharing = sharing  # trials running at once on this machine or device (recorded)
        self.progress = Progress(trial.key, progress)
        self.clock = clock  # every duration the trainer records comes from here (tests pass a fake one)
        self.threads = threads  # this trial's share of the CPU cores (None: all the process may use)
        self.checkpoints = CheckpointStore(trial_dir, trial.config_hash(), device)
        self.final = FinalScorer(trial.settings, device)

    def run(self) -> dict[str, Any]:
        summary_path = self.dir / "summary.json"
        if summary_path.exists():
            summary = read_json(summary_path)
            if summary.get("status") in FINISHED:
                return summary
        write_json(self.dir / "config.json", {**self.trial.config(), "config_hash": self.trial.config_hash()})
        try:
            summary = self._train_and_evaluate()
        except UserError:
            raise
        except Exception as error:  # a crash in one trial (a plugin's too) is recorded, and the suite goes on
            summary = self._base_summary() | {
                "status": "failed",
                "error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc(),
            }
            atomic_write_text(self.dir / "traceback.txt", summary["traceback"])
        write_json(summary_path, summary)
        return summary

    def _base_summary(self) -> dict[str, Any]:
        t = self.trial
        return {
            "schema_version": SCHEMA_VERSION,
            "trial": t.key,
            "family": t.family,
            "dataset": t.dataset,
            "seed": t.seed,
            "setting": t.setting,
            "variant": t.variant,
            "budget_kind": t.budget.kind,
            "budget_value": t.budget.value,
            "budget": str(t.budget),
            "config_hash": t.config_hash(),
            "family_origin": FAMILIES.origin(t.family).record(),
            # how reports name the family and which of its logged series they show
            "family_label": FAMILIES.get(t.family).label or t.family,
            "diagnostics": [record(d) for d in FAMILIES.get(t.family).diagnostics],
            "step_settings": speed.step_settings(t.settings),
            "versions": versions(),
            "device": device_info(self.device) | {"trials_at_once": self.sharing},
        }

    def _train_and_evaluate(self) -> dict[str, Any]:
        run = self._prepare()
        self._train(run)
        summary = self._finish(run)
        return summary | {
            "flops_per_step": run.flops_per_step,
            "flops_method": run.flops_method,
            **({"flops_per_step_by_phase": run.state.flops_by_phase} if run.state.flops_by_phase else {}),
        }

    def _prepare(self) -> Run:
        """Everything a trial trains with: data, networks, evaluator, the real-batch stream, its
        state (resumed from the checkpoint if there is one) and the FLOPs of a step."""
        trial, settings, started = self.trial, self.trial.settings, self.clock()
        seed_everything(trial.seed)
        dataset, spec, family = build(trial, self.device)
        if self.device.type == "cpu":  # recorded in the summary's device block
            torch.set_num_threads(min(self.threads or available_cores(), threads_per_trial(1, dataset.kind)))
        evaluator = Evaluator(dataset, settings.extractor, self.device)
        stream = dataset.train_batches(settings.batch_size, trial.seed)
        state = TrialState()
        if self.checkpoints.exists():
            state = self.checkpoints.resume(family, stream)
            self.progress.say(f"resuming at step {state.counters.steps} ({state.counters.train_seconds:.0f} s trained)")
        flops_per_step, flops_method = self._count_flops(family, dataset)  # for the (resumed) phase
        if family.phase():
            state.flops_by_phase[family.phase()] = flops_per_step
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        train_step = speed.apply(family, settings, self.device, dataset.kind == "image")
        state.counters.setup_seconds += self.clock() - started
        return Run(
            dataset, spec, family, evaluator, stream, state, train_step, flops_per_step, flops_method, family.phase()
        )

    def _real_batches(self, run: Run) -> Callable[[], torch.Tensor]:
        def count(images: int) -> None:
            run.state.counters.images += images

        return real_batches(run.dataset, run.stream, run.family, self.trial.settings, self.device, count)

    def _train(self, run: Run) -> None:
        """Steps until the budget is spent, with evaluations at log-spaced points, checkpoints, and
        the logs read at read points (every step on a CPU, every CUDA_READ_EVERY on a GPU)."""
        settings, budget, state = self.trial.settings, self.trial.budget, run.state
        counters, family, real = state.counters, run.family, self._real_batches(run)
        fractions = eval_fractions(settings.eval_points)
        last_checkpoint = counters.train_seconds
        pending = LogSums()
        read_every = 1 if self.device.type == "cpu" else CUDA_READ_EVERY
        loop_started, eval_before, reference_before = (
            self.clock(),
            counters.eval_seconds,
            counters.reference_wall_seconds,
        )
        reference = SpeedReference(self.device, self.clock)

        def eval_due() -> bool:
            return state.next_eval < len(fractions) and budget.progress(counters) >= fractions[state.next_eval]

        while not budget.spent(counters) and state.diverged_at is None:
            family.budget_progress(budget.progress(counters))
            reference.maybe_time(counters)
            started, reference_started = self.clock(), reference.clock()
            pending.add(run.train_step(real))
            counters.train_seconds += self.clock() - started
            reference.count_step(counters, reference_started)
            counters.steps += 1
            counters.flops += run.flops_per_step
            if family.phase() != run.phase:  # a new phase (a ProGAN resolution) costs a different amount
                run.phase = family.phase()
                run.flops_per_step, run.flops_method = self._count_flops(family, run.dataset)
                state.flops_by_phase[run.phase] = run.flops_per_step
            checkpoint_due = counters.train_seconds - last_checkpoint >= settings.checkpoint_seconds
            if not (counters.steps % read_every == 0 or eval_due() or budget.spent(counters) or checkpoint_due):
                continue
            # a read point: wait for the device (that wait is training time), check the logs
            waited = self.clock()
            self._synchronize()
            counters.train_seconds += self.clock() - waited
            sums, count, finite = pending.read()
            if not finite:
                state.diverged_at = counters.steps
                break
            state.add_log_sums(sums, count)
            self.progress.update(budget.progress(counters), counters.steps, self._latest(state, run.evaluator))
            due = eval_due()
            if due or budget.spent(counters):
                while eval_due():
                    state.next_eval += 1
                # evaluation draws from the global RNG (torch's DataLoader seeds each pass from it,
                # and only a cache miss of the reference features makes one more pass): it gets a
                # fork, so the trial's random stream never depends on what was cached or evaluated
                with random_state_kept(self.device):
                    self._evaluate_point(family, run.evaluator, state, run.dataset)
                if state.diverged_at is not None:
                    break
            if due or counters.train_seconds - last_checkpoint >= settings.checkpoint_seconds:
                self._save_checkpoint(run)
                last_checkpoint = counters.train_seconds
        self.progress.close()
        # Wall time of the loop without evaluations, checkpoints and the speed reference: what the
        # harness itself costs.
        outside = counters.eval_seconds - eval_before + counters.reference_wall_seconds - reference_before
        counters.loop_seconds += self.clock() - loop_started - outside

    @staticmethod
    def _latest(state: TrialState, evaluator: Evaluator) -> str | None:
        """The last validation value of the primary metric, as a progress line shows it."""
        value = state.trajectory[-1].get(evaluator.primary) if state.trajectory else None
        return f"{evaluator.primary} {value:.4g}" if isinstance(value, float) and math.isfinite(value) else None

    def _synchronize(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def _count_flops(self, family: Family, dataset: Any) -> tuple[float, str]:
        """FLOPs of one step, counted on a copy so that the trial's own state is untouched."""
        # A batch as training draws them (a domain pair's holds both domains), from a separate stream.
        batch = dataset.to_model(dataset.train_batches(self.trial.settings.batch_size, 0).next(), family.pixel_range)
        batch = batch.to(self.device)
        return step_flops(copy.deepcopy(family), batch)  # leaves every random stream as it was

    def _evaluate_point(self, family: Family, evaluator: Evaluator, state: TrialState, dataset: Any) -> None:
        """One trajectory point: scores on the validation split; its time is not training time."""
        started = self.clock()
        counters, settings = state.counters, self.trial.settings
        row: dict[str, float] = {
            "step": counters.steps,
            "kimg": counters.kimg,
            "train_seconds": counters.train_seconds,
            "flops": counters.flops,
        }
        if not _all_finite(family):
            state.diverged_at = counters.steps
        else:
            samples = dataset.from_model(
                family.sample(settings.eval_samples, torch.Generator().manual_seed(1), split="validation"),
                family.pixel_range,
            )
            values, _ = evaluator.evaluate_samples(samples, "validation", during_training=True)
            values.update(family.evaluation_extras(dataset, "validation", samples))
            row.update(values)
            state.keep_if_best(values[evaluator.primary], counters.steps, family.generator)
        row.update(state.pop_log_means())
        state.trajectory.append(row)
        counters.eval_seconds += self.clock() - started

    def _finish(self, run: Run) -> dict[str, Any]:
        """The summary: counters, speed, networks and settings, the final and best-on-validation
        scores on the test split (unless the trial diverged), convergence; a last checkpoint."""
        settings, state, family, counters = self.trial.settings, run.state, run.family, run.state.counters
        atomic_write_text(self.dir / "trajectory.csv", pd.DataFrame(state.trajectory).to_csv(index=False))
        summary = self._base_summary() | {
            "status": "diverged" if state.diverged_at is not None else "completed",
            "diverged_at_step": state.diverged_at,
            "counters": counters.as_dict(),
            "images_per_second": counters.images / max(counters.train_seconds, 1e-9),
            **relative_speed(counters, self.device),
            "steps_per_second": counters.steps / max(counters.train_seconds, 1e-9),
            "harness_overhead": counters.loop_seconds / max(counters.train_seconds, 1e-9) - 1,
            "peak_memory_mb": peak_memory_mb(self.device),
            "nets": {
                "arch": run.spec.arch,
                "width": run.spec.width,
                "latent_dim": run.spec.latent_dim,
                "g_norm": run.spec.g_norm,
                "parameters": {name: count_parameters(m) for name, m in family.modules().items()},
            },
            "family_config": family.config,
            "primary_metric": run.evaluator.primary,
            "extractor": run.evaluator.extractor,
        }
        if state.diverged_at is None:
            self.progress.say(f"final evaluation: {settings.final_samples} samples against the test split")
            started = self.clock()
            summary |= self.final.scores(run)
            save_sample_grid(self.dir / "samples.png", family, run.dataset)
            final_seconds = self.clock() - started
            counters.eval_seconds += final_seconds
            counters.final_seconds += final_seconds
            summary["counters"] = counters.as_dict()
        threshold = resolve_threshold(settings.fid_threshold, run.evaluator, run.dataset, settings.eval_samples)
        summary["convergence"] = convergence(state.trajectory, run.evaluator.primary, threshold)
        summary["convergence"]["threshold_rule"] = settings.fid_threshold
        self._save_checkpoint(run)
        return summary

    def _save_checkpoint(self, run: Run) -> None:
        started = self.clock()  # checkpoint time is not training time
        self.checkpoints.save(run.family, run.stream, run.state)
        run.state.counters.eval_seconds += self.clock() - started


def run_trial(trial: Trial, trial_dir: Path, device: torch.device, **options: Any) -> dict[str, Any]:
    """Train and evaluate one trial into its directory; its summary. `options`: TrialRunner's
    (progress, threads, clock, sharing)."""
    return TrialRunner(trial, trial_dir, device, **options).run()
