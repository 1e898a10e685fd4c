"""The Python API (`benchbench.run`, `benchbench.load`), and a plugin family treated as a built-in
is: in tables, verdicts, the JSON report and the gate; failed and diverged trials recorded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import torch
from benchbench_lsgan import LSGAN

import benchbench
from benchbench.errors import UserError
from benchbench.gate import check, make_baseline
from benchbench.report.document import schema

TINY = {"eval_points": 2, "eval_samples": 300, "final_samples": 500, "width": 0.125}


class RaisesAtStepThree(LSGAN):
    def train_step(self, real):
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls == 3:
            raise RuntimeError("a bug in the plugin")
        return super().train_step(real)


class TurnsNaN(LSGAN):
    def train_step(self, real):
        logs = super().train_step(real)
        return logs | {"d_loss": torch.tensor(float("nan"))}


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("api") / "run"
    lines: list[str] = []
    results = benchbench.run(
        families=["lsgan", "wgan-gp"],
        datasets="8gaussians",
        seeds=2,
        budget="30steps",
        settings=TINY,
        out=out,
        jobs=1,  # in this process: worker processes are tested in test_workers.py and test_trainer.py
        progress="off",
        echo=lines.append,
    )
    return results, out, lines


def test_run_returns_the_leaderboard_verdicts_and_trials(compared):
    results, out, lines = compared
    assert lines[0].startswith("4 trials (lsgan, wgan-gp on 8gaussians, seeds [0, 1], budgets 30steps)")
    # a run from arguments alone says what it inherited from the suite it starts from
    assert (
        "settings from suite 'default' and the command line, off the defaults:" in lines[0]
        and "width = 0.125" in lines[0]
    )
    assert "final_extractors = ['mnist-lenet']" in lines[0]
    # and so does its report's header, read from the run's own record (a later `report` says it too)
    header = (out / "report.md").read_text().splitlines()[2]
    assert header.startswith("Settings from suite 'default', off the defaults:") and "width = 0.125" in header
    assert "width = 0.125" in benchbench.load(out).report("html").split("<h2>")[0]
    assert isinstance(results.leaderboard, pd.DataFrame)
    assert sorted(results.leaderboard["entry"]) == ["lsgan", "wgan-gp"]
    assert set(results.leaderboard["completed"]) == {2}
    assert results.leaderboard.filter(like="final_swd_mean").notna().all().all()
    (verdict,) = results.verdicts
    assert {verdict["a"], verdict["b"]} == {"lsgan", "wgan-gp"} and verdict["dataset"] == "8gaussians"
    assert verdict["sentence"] and 0 <= verdict["p_value"] <= 1
    assert len(results.trials) == 4 and set(results.trials["status"]) == {"completed"}
    assert (out / "report.md").is_file() and (out / "report.html").is_file() and (out / "summary.csv").is_file()


def test_load_returns_the_same_results_as_run(compared):
    results, out, _ = compared
    loaded = benchbench.load(out)
    pd.testing.assert_frame_equal(loaded.leaderboard, results.leaderboard)
    assert loaded.verdicts == results.verdicts
    title = "benchbench: default, its families, datasets, seeds, budgets, settings changed for this run"
    assert results.report("md").startswith(f"# {title}\n")
    assert loaded.report("md").replace("benchbench report", title) == results.report("md")


def test_the_plugin_reaches_the_json_report_and_records_its_origin(compared):
    results, _, _ = compared
    document = json.loads(results.report("json"))
    jsonschema.validate(document, schema())
    trial = next(t for t in document["trials"] if t["family"] == "lsgan")
    assert trial["family_origin"].startswith("benchbench_lsgan:LSGAN (benchbench-lsgan 0.1.0, file ")
    assert "LSGAN" in results.report("md") and "LSGAN" in results.report("html")  # the family's own label
    assert results.report("csv").splitlines()[0].startswith("dataset,budget,extractor")
    with pytest.raises(UserError, match="unknown report format"):
        results.report("pdf")


def test_the_gate_treats_the_plugin_as_a_builtin_and_names_a_change_of_its_code(compared):
    results, _, _ = compared
    baseline = make_baseline(results.trials)
    table, passed = check(results.trials, baseline)
    assert passed and "lsgan" in set(table["family"]) and "family origin" not in set(table["metric"])
    edited = results.trials.copy()
    edited.loc[edited["family"] == "lsgan", "family_origin"] = "benchbench_lsgan:LSGAN (benchbench-lsgan 0.2.0, file x)"
    table, passed = check(edited, baseline)
    (row,) = table[table["metric"] == "family origin"].itertuples()
    assert row.family == "lsgan" and row.verdict == "changed: benchbench_lsgan:LSGAN (benchbench-lsgan 0.2.0, file x)"
    assert passed  # a new configuration is gated on its metrics, not refused


def test_a_plugin_that_raises_fails_its_trial_with_the_traceback_and_one_that_turns_nan_diverges(tmp_path):
    results = benchbench.run(
        families=[RaisesAtStepThree, TurnsNaN, "wgan"],
        datasets="8gaussians",
        seeds=1,
        budget="20steps",
        settings=TINY,
        out=tmp_path / "run",
        jobs=1,
        progress="off",
        echo=lambda line: None,
    )
    status = dict(zip(results.trials["family"].str.split(":").str[-1], results.trials["status"]))
    assert status == {"RaisesAtStepThree": "failed", "TurnsNaN": "diverged", "wgan": "completed"}
    failed = results.trials[results.trials["status"] == "failed"].iloc[0]
    traceback = (Path(failed["trial_dir"]) / "traceback.txt").read_text()
    assert "RuntimeError: a bug in the plugin" in traceback and "train_step" in traceback
    board = results.leaderboard.set_index("entry")
    assert board.filter(like="RaisesAtStepThree", axis=0)["failed"].item() == 1
    assert board.filter(like="TurnsNaN", axis=0)["diverged"].item() == 1


@pytest.mark.slow  # end to end: starts processes (each imports torch and torch-fidelity, about 5 s)
def test_a_class_defined_in_main_runs_in_this_process_and_is_refused_for_worker_processes(tmp_path):
    code = (
        "import benchbench\n"
        "from benchbench_lsgan import LSGAN\n"
        "class Mine(LSGAN):\n    pass\n"
        "try:\n    benchbench.run(families=[Mine], datasets='8gaussians', jobs=2)\n"
        "except benchbench.UserError as error:\n    print(error)\n"
        "results = benchbench.run(families=[Mine], datasets='8gaussians', seeds=2, budget='5steps', out='mine',\n"
        "    settings={'eval_points': 1, 'eval_samples': 100, 'final_samples': 100}, echo=print)\n"
        "print(results.trials['status'].tolist())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path).stdout
    assert "Mine is defined in __main__, which worker processes cannot import: run it with jobs=1" in out
    # the default suite runs two trials at a time; this class's run in this process, one at a time
    assert "1 at a time" in out and "['completed', 'completed']" in out


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"families": ["no-such"]}, "unknown family 'no-such'"),
        ({"families": [3]}, "neither a name nor a benchbench.Family subclass"),
        ({"budget": "soon"}, "budget"),
        ({"settings": {"no_such": 1}}, "unknown settings ['no_such']"),
        ({"executor": "slurm"}, "executor must be local or ray"),
        ({"family_config": {"wgan-gp": {"lamda": 1}}}, "has no setting ['lamda']"),
    ],
)
def test_bad_input_raises_the_user_errors_the_command_line_reports(kwargs, message, tmp_path):
    with pytest.raises(UserError) as raised:
        benchbench.run(datasets="8gaussians", out=tmp_path / "x", echo=lambda line: None, **kwargs)
    assert message in str(raised.value)


def test_load_refuses_what_is_not_a_run(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        benchbench.load(tmp_path / "nothing")
    with pytest.raises(UserError, match="at least one run directory"):
        benchbench.load()
