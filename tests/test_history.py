"""The gate's history: records appended safely, refused when corrupt or of another suite or
machine, change points found where a level moved (and not in noise), drawn, and used as a
baseline."""

import json
import math
import multiprocessing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from benchbench.cli import main
from benchbench.errors import UserError
from benchbench.gate import check
from benchbench.gate.changes import segments
from benchbench.gate.history import History
from benchbench.gate.pages import draw, find_changes


def runs(fid: float, spread: float = 1.0, device: str = "cpu: A (1 threads)") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "family": "wgan-gp",
                "dataset": "mnist",
                "budget": "800steps",
                "status": "completed",
                "seed": seed,
                "extractor": "mnist-classifier",
                "extractor_weights": "w",
                "device": device,
                "versions": "v",
                "config_hash": "c",
                "final_fid": fid + spread * (seed - 1),
                "relative_speed": 2.0,
            }
            for seed in range(3)
        ]
    )


def run_dir(tmp_path: Path, suite: str = "regression") -> Path:
    folder = tmp_path / f"run-{suite}"
    folder.mkdir(exist_ok=True)
    (folder / "run.json").write_text(json.dumps({"schema_version": 1, "suite": {"name": suite}}))
    return folder


def history_of(tmp_path: Path, levels: list[float]) -> History:
    history = History.open(tmp_path / "history", must_exist=False)
    for index, level in enumerate(levels):
        history.add(run_dir(tmp_path), runs(level), f"{index:04d}" + "c" * 36, f"2026-01-01T00:{index:02d}:00Z", None)
    return history


def test_a_level_that_moved_is_found_and_named_by_its_first_commit(tmp_path):
    rng = np.random.default_rng(1)
    levels = list(400 + rng.normal(0, 2, 12)) + list(480 + rng.normal(0, 2, 8))
    history = history_of(tmp_path, levels)
    (change,) = find_changes(History.open(tmp_path / "history"), 0.05)
    assert change.metric == "final_fid" and change.worse
    assert change.first_commit_after.startswith("0012") and change.last_commit_before.startswith("0011")
    assert change.before == pytest.approx(400, abs=3) and change.after == pytest.approx(480, abs=3)
    assert "first at commit 0012" in change.sentence()
    changes = draw(history, tmp_path / "pages", 0.05)
    page = (tmp_path / "pages" / "index.html").read_text()
    assert len(changes) == 1 and "first at commit 0012" in page
    pngs = sorted((tmp_path / "pages").glob("*.png"))
    assert pngs and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    assert all(f'src="{p.name}"' in page for p in pngs)  # relative links: the page opens without a server


def test_noise_alone_shows_no_change_and_a_step_under_the_minimum_effect_is_not_marked(tmp_path):
    rng = np.random.default_rng(2)
    history_of(tmp_path, list(400 + rng.normal(0, 2, 20)))
    assert find_changes(History.open(tmp_path / "history"), 0.05) == []
    small = list(400 + rng.normal(0, 0.1, 10)) + list(404 + rng.normal(0, 0.1, 10))  # 1%: real, but small
    assert len(segments(small, [0.1] * 20, 0.0)) == 2
    assert len(segments(small, [0.1] * 20, 0.05 * 400)) == 1


def test_the_step_detection_is_calibrated_on_noise_and_finds_steps_of_four_standard_errors():
    rng = np.random.default_rng(0)
    false_alarms = sum(len(segments(list(rng.normal(100, 1, 30)), [1.0] * 30, 0.0)) > 1 for _ in range(200))
    assert false_alarms / 200 < 0.05
    found = 0
    for _ in range(100):
        values = rng.normal(100, 1, 30)
        values[15:] += 4
        found += any(s.start == 15 for s in segments(list(values), [1.0] * 30, 0.0))
    assert found / 100 >= 0.9
    # noise between runs that the seeds do not show is estimated, not taken for steps
    wide = sum(len(segments(list(rng.normal(100, 4, 30)), [1.0] * 30, 0.0)) > 1 for _ in range(200))
    assert wide / 200 < 0.08


def _append(args: tuple[str, int]) -> None:
    folder, worker = args
    history = History.open(Path(folder), must_exist=False)
    for index in range(8):
        # the run folder the test made; rewriting its run.json here would race the other job's read
        history.add(Path(folder).parent / "run-regression", runs(400.0), f"{worker}{index}" + "0" * 38, None, None)


@pytest.mark.slow  # end to end: starts processes (each imports benchbench's gate, about 3 s)
def test_two_jobs_appending_at_once_lose_nothing(tmp_path):
    run_dir(tmp_path)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_append, [(str(tmp_path / "history"), worker) for worker in (1, 2)])
    records = History.open(tmp_path / "history").records
    assert len(records) == 16 and len({r.path.name for r in records}) == 16


def test_corrupt_records_and_other_suites_or_machines_are_refused_in_one_line(tmp_path):
    history = history_of(tmp_path, [400.0, 401.0])
    with pytest.raises(UserError, match="holds suite 'regression' on 'cpu: A \\(1 threads\\)', not 'other'"):
        history.add(run_dir(tmp_path, "other"), runs(400.0), "x" * 40, None, None)
    with pytest.raises(UserError, match="not 'regression' on 'cpu: B"):
        history.add(run_dir(tmp_path), runs(400.0, device="cpu: B (1 threads)"), "x" * 40, None, None)
    bad = tmp_path / "history" / "broken.json"
    bad.write_text('{"history_version": 1, "suite"')
    with pytest.raises(UserError, match="broken.json is corrupt"):
        History.open(tmp_path / "history")
    bad.write_text(json.dumps({"anything": 1}))
    with pytest.raises(UserError, match="broken.json is not a benchbench history record"):
        History.open(tmp_path / "history")
    result = CliRunner().invoke(main, ["history", "show", str(tmp_path / "history")])
    assert result.exit_code == 2 and "broken.json" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["history", "show", str(tmp_path / "nothing-here")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_the_recent_history_is_a_baseline_from_the_last_level_on(tmp_path):
    rng = np.random.default_rng(3)
    history = history_of(tmp_path, list(400 + rng.normal(0, 2, 6)) + list(480 + rng.normal(0, 2, 6)))
    baseline, used = history.recent_baseline("regression", "cpu: A (1 threads)", window=10)
    (entry,) = baseline["entries"]
    assert used == 6 and entry["metrics"]["final_fid"]["n"] == 18  # the 6 records since the change, 3 seeds each
    assert entry["metrics"]["final_fid"]["mean"] == pytest.approx(480, abs=2)
    assert check(runs(481.0), baseline)[1]  # today's level passes
    table, passed = check(runs(560.0), baseline)
    assert not passed and "regressed" in set(table["verdict"])
    short, used = history.recent_baseline("regression", "cpu: A (1 threads)", window=2)
    assert used == 2 and short["entries"][0]["metrics"]["final_fid"]["n"] == 6
    with pytest.raises(UserError, match="not 'other'"):
        history.recent_baseline("other", "cpu: A (1 threads)", 10)
    assert math.isfinite(entry["metrics"]["final_fid"]["std"])


@pytest.mark.slow
def test_the_commands_record_draw_and_check_against_the_history(tmp_path):
    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args])

    out = tmp_path / "run"
    settings = ["--families", "wgan-gp", "--datasets", "8gaussians", "--seeds", "2", "--budget", "30steps"]
    assert invoke("run", *settings, "--out", out, "--device", "cpu").exit_code == 0
    for commit in ("a" * 40, "b" * 40):
        added = invoke("history", "add", out, "--into", tmp_path / "history", "--commit", commit)
        assert added.exit_code == 0 and f"at commit {commit[:12]}" in added.output, added.output
    shown = invoke("history", "show", tmp_path / "history", "-o", tmp_path / "pages")
    assert shown.exit_code == 0 and "2 records" in shown.output and "0 change points" in shown.output, shown.output
    assert (tmp_path / "pages" / "index.html").is_file()
    checked = invoke("check", out, "--history", tmp_path / "history")
    assert checked.exit_code == 0 and "the 2 latest records" in checked.output, checked.output
    other = invoke("history", "add", out, "--into", tmp_path / "history", "--machine", "gh-ubuntu-latest")
    assert other.exit_code == 2 and "another suite or machine kind belongs in another folder" in other.output
