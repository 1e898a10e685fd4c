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
from benchbench.gate import Rule, check, make_baseline
from benchbench.gate.changes import find_changes, segments
from benchbench.gate.history import History, run_hash
from benchbench.gate.pages import draw
from benchbench.gate.pool import history_baseline
from benchbench.results.commits import utc

TIMINGS = iter(np.random.default_rng(99).uniform(50, 60, 100_000))  # two runs never time alike


def runs(
    fid: float, spread: float = 1.0, device: str = "cpu: A (1 threads)", config: str = "c", speed: float = 2.0,
    status: str = "completed", seeds: range = range(3),
) -> pd.DataFrame:  # fmt: skip
    return pd.DataFrame(
        [
            {
                "family": "wgan-gp",
                "dataset": "mnist",
                "budget": "800steps",
                "status": status,
                "seed": seed,
                "extractor": "mnist-classifier",
                "extractor_weights": "w",
                "device": device,
                "versions": "v",
                "config_hash": config,
                "final_fid": fid + spread * (seed - 1) if status == "completed" else math.nan,
                "relative_speed": speed + 0.01 * seed,
                "train_seconds": next(TIMINGS),
            }
            for seed in seeds
        ]
    )


def pooled(history: History, run: pd.DataFrame, window: int = 10, rule: Rule | None = None):
    """What `check --history` compares the run with."""
    rule = rule or Rule()
    entries = make_baseline(run, allow_one_seed=True, allow_lost=True)["entries"]
    return history_baseline(history, entries, run_hash(run), str(run["device"].iloc[0]), window, rule)


def run_dir(tmp_path: Path, suite: str = "regression") -> Path:
    folder = tmp_path / f"run-{suite}"
    folder.mkdir(exist_ok=True)
    (folder / "run.json").write_text(json.dumps({"schema_version": 1, "suite": {"name": suite}}))
    return folder


def history_of(tmp_path: Path, levels: list[float], machine: str | None = None, **options) -> History:
    history = History.open(tmp_path / "history", must_exist=False)
    for index, level in enumerate(levels, start=len(history.records)):
        time = f"2026-01-01T{index // 60:02d}:{index % 60:02d}:00Z"
        history.add(run_dir(tmp_path), runs(level, **options), f"{index:04d}" + "c" * 36, time, machine)
    return history


def test_a_level_that_moved_is_found_and_named_by_its_first_commit(tmp_path):
    rng = np.random.default_rng(1)
    levels = list(400 + rng.normal(0, 2, 12)) + list(480 + rng.normal(0, 2, 8))
    history = history_of(tmp_path, levels)
    (change,) = find_changes(History.open(tmp_path / "history").records, Rule())
    assert change.metric == "final_fid" and change.worse
    assert change.first_commit_after.startswith("0012") and change.last_commit_before.startswith("0011")
    assert change.before == pytest.approx(400, abs=3) and change.after == pytest.approx(480, abs=3)
    assert "first at commit 0012" in change.sentence()
    changes = draw(history, tmp_path / "pages")
    page = (tmp_path / "pages" / "index.html").read_text()
    assert len(changes) == 1 and "first at commit 0012" in page
    pngs = sorted((tmp_path / "pages").glob("*.png"))
    assert pngs and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    assert all(f'src="{p.name}"' in page for p in pngs)  # relative links: the page opens without a server


def test_noise_alone_shows_no_change_and_a_step_under_the_minimum_effect_is_not_marked(tmp_path):
    rng = np.random.default_rng(2)
    history_of(tmp_path, list(400 + rng.normal(0, 2, 20)))
    assert find_changes(History.open(tmp_path / "history").records, Rule()) == []
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


def test_the_history_baseline_is_the_level_since_the_last_change(tmp_path):
    rng = np.random.default_rng(3)
    history = history_of(tmp_path, list(400 + rng.normal(0, 2, 6)) + list(370 + rng.normal(0, 2, 6)))
    found = pooled(history, runs(371.0))
    (entry,) = found.baseline["entries"]
    # the 6 records since the (better) change; each seed counted once, its newest value
    assert found.records == 6 and entry["metrics"]["final_fid"]["n"] == 3
    assert entry["metrics"]["final_fid"]["mean"] == pytest.approx(
        history.records[-1].entries[0]["metrics"]["final_fid"]["mean"]
    )
    assert check(runs(371.0), found.baseline)[1]  # today's level passes
    table, passed = check(runs(450.0), found.baseline)
    assert not passed and "regressed" in set(table["verdict"])
    assert pooled(history, runs(371.0), window=2).records == 2
    assert math.isfinite(entry["metrics"]["final_fid"]["std"])


def test_a_check_never_grades_a_run_against_its_own_record(tmp_path):
    """The documented order is `history add`, then `check --history`: earlier the newest
    record (the run itself) was pooled into its own baseline."""
    history = history_of(tmp_path, [400.0] * 6)
    worse = runs(480.0)  # 20% worse FID
    for order in ("check first", "added first"):
        if order == "added first":
            history.add(run_dir(tmp_path), worse, "f" * 40, "2026-02-01T00:00:00Z", None)
        found = pooled(history, worse)
        assert found.records == 6, order
        table, passed = check(worse, found.baseline)
        assert not passed and dict(zip(table["metric"], table["verdict"]))["final_fid"] == "regressed", order
    # a record after the run is not its baseline either
    history.add(run_dir(tmp_path), runs(400.0), "a" * 40, "2026-03-01T00:00:00Z", None)
    assert pooled(history, worse).records == 6


def test_after_a_configuration_change_the_old_configurations_records_are_the_baseline(tmp_path):
    history = history_of(tmp_path, [400.0] * 6)
    changed = runs(520.0, config="d")  # a commit that changes a setting and makes FID 30% worse
    history.add(run_dir(tmp_path), changed, "f" * 40, "2026-02-01T00:00:00Z", None)
    found = pooled(history, changed)
    assert found.records == 6 and found.baseline["entries"][0]["config_hash"] == "c"
    table, passed = check(changed, found.baseline)
    verdicts = dict(zip(table["metric"], table["verdict"]))
    assert not passed and verdicts["final_fid"] == "regressed" and verdicts["config hash"] == "changed: d"


def test_identical_replays_count_once(tmp_path):
    history = history_of(tmp_path, [400.0] * 10)  # an unchanged commit replays its seeds exactly
    entry = pooled(history, runs(400.0)).baseline["entries"][0]
    assert entry["metrics"]["final_fid"]["n"] == 3 and entry["completed"] == 3
    other_seeds = history_of(tmp_path, [400.0], seeds=range(3, 6))
    entry = pooled(other_seeds, runs(400.0)).baseline["entries"][0]
    assert entry["metrics"]["final_fid"]["n"] == 6  # distinct seeds add evidence


def test_speed_is_pooled_within_one_hardware(tmp_path):
    history = history_of(tmp_path, [400.0] * 3, "gh-ubuntu-latest", device="cpu: A (1 threads)", speed=2.0)
    history_of(tmp_path, [400.0] * 3, "gh-ubuntu-latest", device="cpu: B (1 threads)", speed=3.0)
    history = History.open(tmp_path / "history")
    on_a = pooled(history, runs(400.0, device="cpu: A (1 threads)", speed=2.0)).baseline["entries"][0]
    assert on_a["hardware"] == "cpu: A (1 threads)"
    assert on_a["metrics"]["relative_speed"]["mean"] == pytest.approx(2.01)
    assert on_a["metrics"]["relative_speed"]["n"] == 3  # one value per record of this hardware
    assert on_a["metrics"]["final_fid"]["n"] == 3  # quality pools across hardware
    on_c = pooled(history, runs(400.0, device="cpu: C (1 threads)")).baseline["entries"][0]
    assert on_c["hardware"] != "cpu: C (1 threads)"  # no speed of its own: check skips it


def test_speed_counts_each_record_once_so_a_slower_machine_of_the_same_label_is_no_regression(tmp_path):
    """Machines of one CPU label differ in speed by more than one run's seeds (-11% to -16%
    measured between two VMs): pooling seeds judged the machine, not the commit. A record is the
    unit: the run is one more record, judged by a prediction interval from the records' means."""
    for speed in (2.0, 2.3, 1.8, 2.1, 1.9):  # five jobs on five machines of one label, seeds within 1%
        history = history_of(tmp_path, [400.0], "gh-ubuntu-latest", speed=speed)
    slower_machine = runs(400.0, speed=1.65)  # -18% against the records' mean, -13% against the newest
    found = pooled(history, slower_machine).baseline
    assert found["entries"][0]["metrics"]["relative_speed"]["n"] == 5
    table, passed = check(slower_machine, found)
    row = table[table["metric"] == "relative_speed"].iloc[0]
    assert passed and row["verdict"] == "ok (the run as one more record: prediction interval)", (
        row
    )  # pooled by seed (the newest record's three) it regressed
    slower_code = runs(400.0, speed=1.0)  # half the speed: more than any machine here
    table, passed = check(slower_code, pooled(history, slower_code).baseline)
    assert not passed and table[table["metric"] == "relative_speed"].iloc[0]["verdict"].startswith("regressed")


def test_speed_against_one_record_is_skipped_its_spread_between_runs_unknown(tmp_path):
    history = history_of(tmp_path, [400.0], "gh-ubuntu-latest", speed=2.0)
    table, passed = check(runs(400.0, speed=1.0), pooled(history, runs(400.0, speed=1.0)).baseline)
    row = table[table["metric"] == "relative_speed"].iloc[0]
    assert passed and row["verdict"] == "skipped: one record of this hardware, its spread between runs unknown"


def test_a_worse_level_is_held_until_accepted(tmp_path):
    rng = np.random.default_rng(4)
    history = history_of(tmp_path, list(400 + rng.normal(0, 2, 6)) + list(480 + rng.normal(0, 2, 4)))
    today = runs(480.0)
    found = pooled(history, today)
    assert found.records == 6 and "not accepted" in found.notes[0] and "0006" in found.notes[0]
    assert not check(today, found.baseline)[1]  # the regression is not adopted silently
    accepted = CliRunner().invoke(
        main,
        ["history", "accept", str(tmp_path / "history"), "--commit", "0006", "--reason", "the new loss scales FID"],
    )
    assert accepted.exit_code == 0 and "accepted the levels from commit 0006" in accepted.output, accepted.output
    assert len(list((tmp_path / "history" / "accepted").glob("*.json"))) == 1
    history = History.open(tmp_path / "history")
    found = pooled(history, today)
    assert found.records == 4 and not found.notes and check(today, found.baseline)[1]
    (change,) = find_changes(history.records, Rule(), history.accepted())
    assert change.accepted and change.sentence().endswith("accepted")
    with pytest.raises(UserError, match="names no record"):
        history.accept("zzzz", "")


def test_changes_are_searched_on_gated_columns_with_the_gates_effects(tmp_path):
    history = History.open(tmp_path / "history", must_exist=False)
    rng = np.random.default_rng(5)
    for index in range(16):
        run = runs(400 + rng.normal(0, 2))
        run["images_per_second"] = 1000.0 if index < 8 else 500.0  # ungated: a busy runner moves it
        run["final_kid"] = 0.010 if index < 8 else 0.0105  # +5% of a level near zero: under KID's floor
        history.add(run_dir(tmp_path), run, f"{index:04d}" + "0" * 36, f"2026-01-01T00:{index:02d}:00Z", None)
    assert find_changes(history.records, Rule()) == []
    assert find_changes(history.records, Rule(min_change=0.5)) == []


def test_times_are_ordered_as_utc(tmp_path):
    assert utc("2026-01-01T10:00:00+02:00") == "2026-01-01T08:00:00Z"
    assert utc("2026-01-01T08:30:00Z") == "2026-01-01T08:30:00Z" and utc("not a time") is None
    history = History.open(tmp_path / "history", must_exist=False)
    history.add(run_dir(tmp_path), runs(400.0), "b" * 40, "2026-01-01T08:30:00Z", None)
    history.add(run_dir(tmp_path), runs(401.0), "a" * 40, "2026-01-01T10:00:00+02:00", None)  # 08:00 UTC
    assert [r.commit[0] for r in History.open(tmp_path / "history").records] == ["a", "b"]


def test_a_commit_whose_every_trial_failed_is_recorded_and_marked(tmp_path):
    history = history_of(tmp_path, [400.0] * 4)
    broken = runs(400.0, status="failed")
    history.add(run_dir(tmp_path), broken, "dead" + "0" * 36, "2026-02-01T00:00:00Z", None)
    table, passed = check(broken, pooled(history, broken).baseline)
    assert not passed and "regressed: every seed lost" in set(table["verdict"])
    draw(History.open(tmp_path / "history"), tmp_path / "pages", commit_url="https://example.org/c/{commit}")
    page = (tmp_path / "pages" / "index.html").read_text()
    assert "Every seed lost at" in page and 'href="https://example.org/c/dead' in page


@pytest.mark.slow
def test_the_commands_record_draw_and_check_against_the_history(tmp_path):
    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args])

    settings = ["--families", "wgan-gp", "--datasets", "8gaussians", "--seeds", "2", "--budget", "30steps"]
    for name in ("first", "second"):
        assert invoke("run", *settings, "--out", tmp_path / name, "--device", "cpu").exit_code == 0
    for name, commit in (("first", "a" * 40), ("second", "b" * 40)):
        added = invoke("history", "add", tmp_path / name, "--into", tmp_path / "history", "--commit", commit)
        assert added.exit_code == 0 and f"at commit {commit[:12]}" in added.output, added.output
    shown = invoke("history", "show", tmp_path / "history", "-o", tmp_path / "pages")
    assert shown.exit_code == 0 and "2 records" in shown.output and "0 change points" in shown.output, shown.output
    assert (tmp_path / "pages" / "index.html").is_file()
    checked = invoke("check", tmp_path / "second", "--history", tmp_path / "history")
    assert checked.exit_code == 0 and "the 1 latest records before this run" in checked.output, checked.output
    first = invoke("check", tmp_path / "first", "--history", tmp_path / "history")
    assert first.exit_code == 0 and "nothing to compare with" in first.output, first.output
    # a machine label: recorded with it, checked with it; without it, refused with the hint
    labelled = tmp_path / "labelled"
    for name in ("first", "second"):
        added = invoke("history", "add", tmp_path / name, "--into", labelled, "--machine", "gh-ubuntu-latest")
        assert added.exit_code == 0, added.output
    checked = invoke("check", tmp_path / "second", "--history", labelled, "--machine", "gh-ubuntu-latest")
    assert checked.exit_code == 0 and "gh-ubuntu-latest" in checked.output, checked.output
    unlabelled = invoke("check", tmp_path / "second", "--history", labelled)
    assert unlabelled.exit_code == 2 and "--machine 'gh-ubuntu-latest'" in unlabelled.output
    other = invoke(
        "history", "add", tmp_path / "first", "--into", tmp_path / "history", "--machine", "gh-ubuntu-latest"
    )
    assert other.exit_code == 2 and "another suite or machine kind belongs in another folder" in other.output


def test_a_commit_named_on_the_command_line_gets_its_time_from_git(tmp_path):
    import subprocess

    from benchbench.results.commits import commit_time

    repo = tmp_path / "repo"
    repo.mkdir()
    env = {"GIT_COMMITTER_DATE": "2026-01-01T10:00:00+02:00", "GIT_AUTHOR_DATE": "2026-01-01T10:00:00+02:00",
           "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b",
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    assert commit_time(head, repo) == "2026-01-01T08:00:00Z"
    assert commit_time("f" * 40, repo) is None
