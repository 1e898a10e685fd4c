"""The Python entry points: `run` takes what `benchbench run` takes and returns the results;
`load` returns the same results for a finished run. The CLI is a thin layer over these two.

    import benchbench
    results = benchbench.run(families=["wgan-gp", "my_pkg.lsgan:LSGAN"], datasets=["8gaussians"],
                             seeds=3, budget="400steps", out="results/mine")
    results.leaderboard        # a pandas DataFrame: the report's table, one row per entry and section
    results.verdicts           # the verdicts as data (the JSON report's fields)
    results.trials             # one row per trial
    results.report("md")       # md, html, csv or json text

Bad input raises the same UserError the CLI prints as one line with exit code 2.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from benchbench.errors import UserError

if TYPE_CHECKING:  # imported where used: `import benchbench` loads no torch
    from benchbench.report.tables import Section
    from benchbench.suite import Overrides

Echo = Callable[[str], None]


class Results:
    """A finished (or partly finished) run, read from its run directories."""

    def __init__(self, run_dirs: Sequence[str | Path], title: str = "benchbench report") -> None:
        from benchbench.report import load_runs
        from benchbench.report.load import planned_trials
        from benchbench.report.origin import settings_lines

        self.run_dirs = [Path(d) for d in run_dirs]
        self.title = title
        self.trials: pd.DataFrame = load_runs(self.run_dirs)
        self.planned, self.settings_lines = planned_trials(self.run_dirs), settings_lines(self.run_dirs)
        self._document: dict[str, Any] | None = None
        self._sections: list[Section] | None = None

    def __repr__(self) -> str:
        dirs = ", ".join(map(str, self.run_dirs))
        return f"<benchbench.Results {dirs}: {len(self.trials)} trials>"

    @property
    def sections(self) -> list[Section]:
        """The report's sections (report/tables.py), built once and shared by every format."""
        if self._sections is None:
            from benchbench.report.tables import sections

            self._sections = sections(self.trials)
        return self._sections

    @property
    def document(self) -> dict[str, Any]:
        """The JSON report as a dict (benchbench/report/report.schema.json)."""
        if self._document is None:
            from benchbench.report.document import report_document

            self._document = report_document(self.trials, self.title, self.planned, self.sections)
        return self._document

    @property
    def leaderboard(self) -> pd.DataFrame:
        """One row per entry and section (dataset, budget, extractor), as the report's tables
        show them: seed counts, then each metric's mean and t interval as numbers."""
        from benchbench.report.document import leaderboard_csv

        return pd.read_csv(io.StringIO(leaderboard_csv(self.document)))

    @property
    def verdicts(self) -> list[dict[str, Any]]:
        """Every verdict, with the section it belongs to: winner, p-values, effect size, sentence."""
        keys = ("dataset", "budget", "extractor", "primary_metric")
        return [
            {k: section[k] for k in keys} | verdict
            for section in self.document["sections"]
            for verdict in section["verdicts"]
        ]

    def report(self, format: str = "md") -> str:
        """The report as text: "md", "html", "csv" (the leaderboard), "csv-trials" or "json"."""
        if format == "md":
            from benchbench.report import render_markdown

            return render_markdown(self.trials, self.title, self.planned, self.sections, self.settings_lines)
        if format == "html":
            from benchbench.report.html import render_html

            return render_html(self.trials, self.title, self.planned, self.sections, self.settings_lines)
        if format == "csv":
            from benchbench.report.document import leaderboard_csv

            return leaderboard_csv(self.document)
        if format == "csv-trials":
            return self.trials.to_csv(index=False)
        if format == "json":
            return json.dumps(self.document, indent=2)
        raise UserError(f"unknown report format {format!r} (known: md, html, csv, csv-trials, json)")


def load(*run_dirs: str | Path) -> Results:
    """The results of one or more finished runs (several: the same suite from several machines)."""
    if not run_dirs:
        raise UserError("load needs at least one run directory")
    return Results(run_dirs)


def _family_names(families: Sequence[Any]) -> tuple[list[str], list[str]]:
    """(names for the registry, the classes among them defined in __main__). A Family subclass
    given directly (a notebook's) is registered under "module:Class"."""
    from benchbench.families import FAMILIES, Family
    from benchbench.registry import Origin, file_digest

    names, in_main = [], []
    for family in families:
        if isinstance(family, str):
            names.append(family)
            continue
        if not (isinstance(family, type) and issubclass(family, Family)):
            raise UserError(f"families: {family!r} is neither a name nor a benchbench.Family subclass")
        name = f"{family.__module__}:{family.__qualname__}"
        if family.__module__ == "__main__":
            in_main.append(family.__qualname__)
        if name not in FAMILIES:
            FAMILIES.register(name, Origin("import", "", "", name, file_digest(family)))(family)
        elif FAMILIES.get(name) is not family:
            raise UserError(f"another class is already registered as {name!r}")
        names.append(name)
    return names, in_main


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    return list(value) if isinstance(value, (list, tuple)) else [value]


def overrides_of(
    families: Sequence[Any] | str | None = None,
    datasets: Sequence[str] | str | None = None,
    seeds: int | Sequence[int] | None = None,
    budget: Sequence[str] | str | None = None,
    jobs: int | None = None,
    settings: dict[str, Any] | None = None,
    family_config: dict[str, dict[str, Any]] | None = None,
    executor: str = "local",
) -> Overrides:
    """run()'s arguments as the suite's Overrides; a Family class given directly is registered,
    and one defined in __main__ (a notebook's) runs in this process."""
    from benchbench.suite import Overrides

    names = None
    if families is not None:
        names, in_main = _family_names(_as_list(families) or [])
        if in_main and ((jobs or 1) > 1 or executor != "local"):
            raise UserError(
                f"{', '.join(in_main)} is defined in __main__, which worker processes cannot import: "
                "run it with jobs=1, or move it into a module and name it as module:Class"
            )
        if in_main:  # a notebook's class exists in this process only: its trials run here
            jobs = 1
    return Overrides(
        families=names,
        datasets=_as_list(datasets),
        seeds=list(seeds) if isinstance(seeds, (list, tuple)) else seeds,
        budgets=_as_list(budget),
        jobs=jobs,
        settings=dict(settings or {}),
        family_config=dict(family_config or {}),
    )


def _check_before_training(trials: list[Any], device: Any, say: Echo) -> None:
    """Missing data and too few samples for a metric fail now, not mid-run; what the user should
    know about the step settings on this device is said once."""
    from benchbench.datasets import load as load_dataset
    from benchbench.metrics.sample_size import sample_count_problems
    from benchbench.training import speed

    for trial in {t.dataset: t for t in trials}.values():
        problems = sample_count_problems(trial.settings, load_dataset(trial.dataset, **trial.dataset_options))
        if problems:
            raise UserError(f"{trial.dataset}: " + "; ".join(problems))
    for note in dict.fromkeys(n for trial in trials for n in speed.notes(trial.settings, device)):
        say(note)


def run(
    suite: str | Path = "default",
    *,
    families: Sequence[Any] | str | None = None,
    datasets: Sequence[str] | str | None = None,
    seeds: int | Sequence[int] | None = None,
    budget: Sequence[str] | str | None = None,
    out: str | Path | None = None,
    device: str = "auto",
    jobs: int | None = None,
    settings: dict[str, Any] | None = None,
    family_config: dict[str, dict[str, Any]] | None = None,
    executor: str = "local",
    address: str | None = None,
    allow_long: bool = False,
    progress: str | None = None,
    echo: Echo | None = None,
    overrides: Overrides | None = None,
) -> Results:
    """Train and evaluate every trial of a suite (a built-in name or a TOML file), with any of
    its families, datasets, seeds, budgets, jobs, trainer settings and family hyperparameters
    overridden, then write the report into `out` and return the results. Finished trials in
    `out` are skipped and interrupted ones resumed. `progress`: "bar", "lines" or "off" (default:
    a bar on a terminal, else lines); `echo` receives the plan and one line per finished trial
    (default: standard error). `overrides`: a benchbench.suite.Overrides built already (the
    CLI's), instead of the arguments families to family_config."""
    from benchbench.environment import resolve_device
    from benchbench.execution import check_run_dir, prepare_run_dir, run_local, run_ray
    from benchbench.execution.estimate import describe, estimate
    from benchbench.execution.workers import jobs_for
    from benchbench.loaded.run import score_entries
    from benchbench.report.timing import time_line
    from benchbench.suite import load as load_suite

    say = echo or (lambda text: print(text, file=sys.stderr))
    if executor not in ("local", "ray"):
        raise UserError(f"executor must be local or ray, got {executor!r}")
    if address is not None and executor != "ray":
        raise UserError('address= names a Ray cluster: use it with executor="ray"')
    arguments = (families, datasets, seeds, budget, jobs, settings, family_config)
    if overrides is not None and any(value is not None for value in arguments):
        raise UserError("give either overrides= or the arguments it holds (families, ..., family_config), not both")
    if overrides is None:
        overrides = overrides_of(families, datasets, seeds, budget, jobs, settings, family_config, executor)
    plan, changed = load_suite(str(suite), overrides), overrides.changed
    torch_device = resolve_device(device)
    trials = plan.plan()
    _check_before_training(trials, torch_device, say)
    jobs = jobs_for(trials, plan.jobs, executor, say)
    out = Path(out) if out is not None else default_output(plan.name, trials, changed)
    check_run_dir(out, plan, trials)
    to_time = len({t.config_hash() for t in trials if t.budget.kind != "seconds"})
    if to_time > 3:  # a few seconds each: say why nothing happens yet
        say(f"timing {to_time} configuration(s) for a few steps, to estimate the run's length")
    seconds = estimate(trials, torch_device, jobs, allow_long, say)
    prepare_run_dir(out, plan, trials)
    say(
        f"{len(trials)} trials ({', '.join(plan.families)} on {', '.join(plan.datasets)}, "
        f"seeds {plan.seeds}, budgets {', '.join(map(str, plan.budgets))}) -> {out}; "
        + "".join(f"then {e.name} loaded from {e.path} at {e.seeds} sampling seeds; " for e in plan.loaded)
        + f"{describe(seconds, jobs)}; {settings_origin(plan, overrides)}"
    )

    def notify(summary: dict[str, Any]) -> None:
        say(finished_line(summary))

    progress = progress or ("bar" if sys.stderr.isatty() else "lines")
    done_before = {t.key for t in trials if _finished(out / t.key)}
    started = time.perf_counter()
    if executor == "ray":
        summaries = run_ray(trials, out, torch_device, address, notify=notify, trials_per_device=jobs)
    else:
        summaries = run_local(trials, out, torch_device, jobs, progress=progress, notify=notify)
    score_entries(plan.loaded, plan.settings, out, torch_device, say)  # generators trained elsewhere, if any
    changed_by = [name for name, value in overrides.__dict__.items() if value not in (None, {}) and name != "jobs"]
    title = f"benchbench: {plan.name}" + (f", its {', '.join(changed_by)} changed for this run" if changed_by else "")
    results = Results([out], title=title)
    write_reports(results)
    say(time_line([s for s in summaries if s.get("trial") not in done_before], time.perf_counter() - started, jobs))
    return results


def _finished(trial_dir: Path) -> bool:
    """Whether the trainer will skip this trial as finished (TrialRunner.run's own rule)."""
    from benchbench.results import read_json
    from benchbench.training.trainer import FINISHED

    try:
        return read_json(trial_dir / "summary.json").get("status") in FINISHED
    except (OSError, ValueError, AttributeError):
        return False


def settings_origin(plan: Any, overrides: Overrides) -> str:
    """Where a run's settings came from (benchbench/report/origin.py), for the plan line."""
    from benchbench.report.origin import origin_line

    return origin_line(plan.name, dataclasses.asdict(plan.settings), bool(overrides.settings))


def default_output(name: str, trials: list[Any], changed: bool) -> Path:
    """results/NAME, or for a plan changed from its suite's (by flags or arguments) a directory of
    its own named by its trials, which the same plan finds again."""
    if not changed:
        return Path("results") / name
    digest = hashlib.sha256("\n".join(t.key for t in trials).encode()).hexdigest()[:8]
    return Path("results") / f"{name}-{digest}"


def finished_line(summary: dict[str, Any]) -> str:
    """One line per finished trial: its name, outcome and primary metric (or error)."""
    final = (summary.get("final") or {}).get("metrics", {})
    primary = summary.get("primary_metric", "fid")
    value = f"{primary} {final[primary]:.4g}" if primary in final else summary.get("error", "")
    return f"  {summary['trial']}: {summary['status']} {value}"


def write_reports(results: Results) -> None:
    """summary.csv, report.md and report.html in the (first) run directory, atomically."""
    from benchbench.results import atomic_write_text

    run_dir = results.run_dirs[0]
    atomic_write_text(run_dir / "summary.csv", results.report("csv-trials"))
    atomic_write_text(run_dir / "report.md", results.report("md"))
    atomic_write_text(run_dir / "report.html", results.report("html"))
