import json

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from benchbench.cli import main

TINY_SUITE = """
name = "tiny"
families = ["wgan-gp", "began"]
datasets = ["8gaussians"]
seeds = 3
budgets = ["25steps"]
[settings]
width = 0.125
eval_points = 3
eval_samples = 300
final_samples = 600
"""


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    suite = root / "tiny.toml"
    suite.write_text(TINY_SUITE)
    result = invoke("run", suite, "--out", root / "out", "--device", "cpu")
    assert result.exit_code == 0, result.output
    return root / "out", result


def test_run_writes_a_report_with_a_verdict(tiny_run):
    out, result = tiny_run
    assert "**Verdict:**" in result.output and "| WGAN-GP" in result.output and "| BEGAN" in result.output
    assert "Feature extractor" not in result.output and "| IS" not in result.output  # points: neither applies
    assert (out / "summary.csv").exists() and (out / "report.md").exists() and (out / "run.json").exists()
    rows = (out / "summary.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + 6


def test_rerun_skips_finished_trials(tiny_run):
    out, _ = tiny_run
    before = {p: p.stat().st_mtime_ns for p in out.glob("*/summary.json")}
    result = invoke("run", out.parent / "tiny.toml", "--out", out, "--device", "cpu")
    assert result.exit_code == 0
    assert before == {p: p.stat().st_mtime_ns for p in out.glob("*/summary.json")}


def test_report_formats(tiny_run, tmp_path):
    out, _ = tiny_run
    assert "Verdict" in invoke("report", out).output
    target = tmp_path / "r.csv"
    assert invoke("report", out, "--format", "csv", "-o", target).exit_code == 0
    leaderboard = pd.read_csv(target)  # one row per entry, mean and interval per metric
    assert sorted(leaderboard["entry"]) == ["began", "wgan-gp"] and (leaderboard["seeds"] == 3).all()
    assert {"final_swd_mean", "final_swd_low", "final_swd_high", "collapsed"} <= set(leaderboard.columns)
    assert invoke("report", out, "--format", "csv", "--trials", "-o", target).exit_code == 0
    assert target.read_text().startswith("trial,")


def test_json_report_is_the_leaderboard_in_the_shipped_schema(tiny_run):
    jsonschema = pytest.importorskip("jsonschema")
    from benchbench.report.document import schema

    out, _ = tiny_run
    text = invoke("report", out, "--format", "json").output
    document = json.loads(text)
    jsonschema.validate(document, schema())
    assert "\\/" not in text  # paths as written, not "results\/default"
    assert document["trials_planned"] == document["trials_found"] == 6 and len(document["trials"]) == 6
    section = document["sections"][0]
    wgan_gp = next(e for e in section["entries"] if e["entry"] == "wgan-gp")
    swd = wgan_gp["metrics"]["final_swd"]
    assert swd["n"] == 3 and swd["low"] <= swd["mean"] <= swd["high"]
    (verdict,) = section["verdicts"]
    assert verdict["test"] == "Welch t-test" and 0 <= verdict["p_value"] <= 1 and verdict["metric"] == "SWD"
    assert verdict["sentence"].startswith(("WGAN-GP better", "BEGAN better", "no significant"))


def test_a_report_says_how_many_planned_trials_it_holds(tiny_run, tmp_path):
    import shutil

    out, _ = tiny_run
    partial = tmp_path / "partial"
    shutil.copytree(out, partial)
    shutil.rmtree(next(partial.glob("began__*s2*")))
    document = json.loads(invoke("report", partial, "--format", "json").output)
    assert document["trials_planned"] == 6 and document["trials_found"] == 5
    assert "holds 5 of the 6 planned trials" in invoke("report", partial).output


def test_sample_writes_npz(tiny_run, tmp_path):
    out, _ = tiny_run
    trial_dir = next(out.glob("began__*"))
    target = tmp_path / "s.npz"
    result = invoke("sample", trial_dir, "-n", 37, "-o", target)
    assert result.exit_code == 0, result.output
    with np.load(target) as data:
        assert data["points"].shape == (37, 2) and data["points"].dtype == np.float32
    assert invoke("sample", trial_dir, "-n", 5, "-o", tmp_path / "b.npz", "--best").exit_code == 0


def test_sample_of_many_points_is_announced_and_reports_progress_at_most_ten_times(tiny_run, tmp_path):
    out, _ = tiny_run
    trial_dir = next(out.glob("wgan-gp__*"))
    result = CliRunner().invoke(main, ["sample", str(trial_dir), "-n", "3000000", "-o", str(tmp_path / "many.npz")])
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"sampling 3,000,000 points (23 MiB) into {tmp_path / 'many.npz'}" and len(lines) <= 11
    assert lines[-1] == "  3,000,000 of 3,000,000 samples"
    with np.load(tmp_path / "many.npz") as data:
        assert data["points"].shape == (3_000_000, 2)


@pytest.mark.slow  # a process of its own, stopped midway
def test_a_sample_stopped_midway_leaves_no_file_and_says_nothing_was_written(tiny_run, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    out, _ = tiny_run
    trial_dir = next(out.glob("wgan-gp__*"))
    target = tmp_path / "stopped" / "huge.npz"
    target.parent.mkdir()
    command = [sys.executable, "-m", "benchbench", "sample", str(trial_dir), "-n", "300000000", "-o", str(target)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(target.parent.iterdir()) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)  # until the temporary file exists
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted: nothing written" in stderr and "resume" not in stderr
    assert list(target.parent.iterdir()) == []


def test_a_text_file_given_as_npz_is_named_so(tmp_path):
    (tmp_path / "images.npz").write_text("not an archive")
    result = invoke("eval", "--images", tmp_path / "images.npz", "--against", "mnist:test")
    _one_line_error(result, "is not an .npz archive")
    assert "pickle" not in result.output


def test_list_shows_families_datasets_extractors():
    output = invoke("list").output
    for name in ("wgan-gp", "began", "mnist", "8gaussians", "folder", "mnist-classifier", "default"):
        assert name in output


def _one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run", "--families", "wgan-gp,stylegan"], "unknown family 'stylegan'"),
        (["run", "--datasets", "imagenet"], "unknown dataset 'imagenet'"),
        (["run", "--budget", "0s"], "must be positive"),
        (["run", "--budget", "fast"], "not understood"),
        (["run", "--budget", "1e999steps"], "finite"),
        (["run", "--budget", "1e999s"], "finite"),
        (["run", "--budget", "1e999kimg"], "finite"),
        (["run", "--seeds", "0"], "at least 1"),
        # too few samples for a metric: refused when the suite is read, before any training
        (
            ["run", "--set", "eval_samples=100", "--budget", "1steps", "--seeds", "1"],
            "not more than `mnist-classifier`'s 128",
        ),
        (
            ["run", "--set", "eval_samples=128", "--budget", "1steps", "--seeds", "1"],
            "eval_samples = 128 is not more than `mnist-classifier`'s 128 features",
        ),
        (
            ["run", "--extractor", "inception-v3-compat", "--budget", "1steps"],
            "eval_samples = 2,000 is not more than `inception-v3-compat`'s 2,048",
        ),
        (["run", "--set", "final_samples=4", "--budget", "1steps"], "precision/recall (k = 3) needs more than 4"),
        (["run", "--set", "no_such_setting=1"], "unknown settings ['no_such_setting']"),
        (["run", "--set", "eval_samples"], "expected KEY=VALUE"),
        (["run", "--seeds", "a,b"], "not an integer"),
        (["run", "--width", "-1"], "width must be positive"),
        (["run", "--device", "tpu"], "unknown device"),
        (["run", "--extractor", "inception-v9"], "unknown feature extractor 'inception-v9'"),
        (["run", "no-such-suite"], "no suite"),
        (["run", "missing.toml"], "does not exist"),
        (["run", "--datasets", "folder:/no/such/folder", "--budget", "1steps", "--seeds", "1"], "does not exist"),
        (["report", "/no/such/run"], "does not exist"),
        (["sample", "/no/such/trial", "-o", "x.npz"], "not a trial directory"),
        (["run", "--budget", "1e99kimg", "--seeds", "1", "--families", "wgan-gp", "--datasets", "8gaussians"], "days"),
        (["run", "--address", "auto", "--budget", "1steps"], "--executor ray"),
        (["eval", "--images", "x.npz", "--against", "mnist:tset"], "unknown split 'tset'"),
        # usage errors: one line naming the command's help, not click's usage block
        (["run", "--seeds", "1000000", "--budget", "1steps"], "plans 2,000,000 trials; at most 10,000"),
        (["run", "--no-such-option"], "No such option '--no-such-option'. (see "),
        (["rnu"], "No such command 'rnu'"),
        (["sample"], "Missing argument 'TRIAL_DIR'"),
        (["check", "x", "--baseline", "y", "--sigmas", "abc"], "Invalid value for '--sigmas'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _one_line_error(invoke(*args), fragment)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("families = [", "not valid TOML"),
        ("famlies = ['began']", "unknown keys ['famlies']"),
        ("seeds = 'three'", "seeds must be"),
        ("budgets = ['10steps']\n[family.began]\ngama = 0.3", "no setting ['gama']"),
        ("[family.began]\ngamma = 'high'", "gamma must be float"),
        ("[settings]\nwidht = 1.0", "unknown settings ['widht']"),
        ("jobs = 0", "jobs must be a positive integer"),
        ("[settings]\nfid_threshold = 'low'", "fid_threshold must be"),
        ("", "is empty"),
        ("[family.began]\nae_norm = 'batc'", "ae_norm must be one of"),
        ("families = ['began']\n[[ablation.began]]\ngama = 0.3", "no setting ['gama']"),
    ],
)
def test_malformed_suites(text, fragment, suite_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _one_line_error(invoke("run", suite_file(text)), fragment)


def test_unwritable_output_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    _one_line_error(invoke("run", "--out", blocker / "run", "--budget", "1steps"), "cannot write")


def test_corrupt_and_untrusted_checkpoints_are_refused(tiny_run, tmp_path):
    out, _ = tiny_run
    trial_dir = next(out.glob("wgan-gp__*"))
    copy = tmp_path / "trial"
    copy.mkdir()
    (copy / "config.json").write_text((trial_dir / "config.json").read_text())
    (copy / "checkpoint.pt").write_bytes(b"\x00garbage")
    _one_line_error(invoke("sample", copy, "-o", tmp_path / "x.npz"), "not a checkpoint")
    whole = (trial_dir / "checkpoint.pt").read_bytes()
    (copy / "checkpoint.pt").write_bytes(whole[: len(whole) // 2])
    _one_line_error(invoke("sample", copy, "-o", tmp_path / "x.npz"), "truncated or corrupt")

    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    torch.save({"family": Payload()}, copy / "checkpoint.pt")
    result = invoke("sample", copy, "-o", tmp_path / "x.npz")
    _one_line_error(result, "holds code or objects", "refused")
    assert "this must never run" not in result.output and "weights_only" not in result.output


def test_an_incompatible_run_directory_is_detected(tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    (out / "run.json").write_text(json.dumps({"schema_version": 0}))
    _one_line_error(invoke("run", "--out", out, "--budget", "1steps", "--seeds", "1"), "schema 0")
    (out / "run.json").write_text("{truncated")
    _one_line_error(invoke("run", "--out", out, "--budget", "1steps", "--seeds", "1"), "corrupt")


def test_a_write_failing_halfway_leaves_the_old_file_whole(tmp_path, monkeypatch):
    import os

    from benchbench.results.io import write_json

    target = tmp_path / "summary.json"
    write_json(target, {"status": "completed"})

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_json(target, {"status": "half"})
    assert json.loads(target.read_text()) == {"status": "completed"}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temporary file left behind


def test_another_plan_into_an_existing_run_directory_is_refused(tiny_run, tmp_path):
    import shutil

    out, _ = tiny_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = (copy / "run.json").read_text()
    result = invoke("run", out.parent / "tiny.toml", "--out", copy, "--seeds", "2", "--device", "cpu")
    _one_line_error(result, "holds another run")
    assert "seeds: [0, 1, 2] -> [0, 1]" in result.output
    assert (copy / "run.json").read_text() == before  # nothing rewritten


def test_a_flags_only_run_gets_a_directory_of_its_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = (
        "run",
        "--families",
        "wgan-gp",
        "--datasets",
        "8gaussians",
        "--seeds",
        "1",
        "--budget",
        "2steps",
        "--width",
        "0.125",
        "--device",
        "cpu",
    )
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    made = [p.name for p in (tmp_path / "results").iterdir()]
    assert len(made) == 1 and made[0].startswith("default-") and made[0] in first.output
    again = invoke(*args)  # the same flags find the same directory and resume it
    assert again.exit_code == 0 and [p.name for p in (tmp_path / "results").iterdir()] == made


@pytest.mark.parametrize(
    "command",
    [
        ["report", "{run}", "-o", "{blocked}/r.md"],
        ["sample", "{trial}", "-o", "{blocked}/x.npz"],
        ["baseline", "{run}", "-o", "{blocked}/b.json"],
        ["bench", "--families", "wgan-gp", "--datasets", "8gaussians", "--json", "{blocked}/b.json"],
    ],
)
def test_an_unwritable_output_is_refused_before_any_work(command, tiny_run, tmp_path):
    out, _ = tiny_run
    blocked = tmp_path / "file"
    blocked.write_text("")  # a file where a folder should be
    trial = next(out.glob("wgan-gp__*"))
    args = [a.format(run=out, trial=trial, blocked=blocked) for a in command]
    _one_line_error(invoke(*args), "cannot write")


def test_ctrl_c_exits_130_and_says_how_to_resume(tmp_path, monkeypatch):
    import benchbench.execution

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(benchbench.execution, "run_local", interrupted)
    result = invoke(
        "run",
        "--families",
        "wgan-gp",
        "--datasets",
        "8gaussians",
        "--seeds",
        "1",
        "--budget",
        "1steps",
        "--out",
        tmp_path / "run",
    )
    assert result.exit_code == 130 and "rerun the same command to resume" in result.output


def test_help_imports_no_torch():
    """`--help` and argument errors answer at once: torch and the heavy modules load only inside
    the commands that need them."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom benchbench.cli import main\n"
        "try:\n    main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('torch' in sys.modules, 'pandas' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False False"


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run", "--families", ""], "--families is empty"),
        (["run", "--budget", " , "], "--budget is empty"),
        (["run", "--families", "wgan-gp,wgan-gp", "--datasets", "8gaussians"], "families names wgan-gp more than once"),
        (["check", "RUN", "--baseline", "b.json", "--sigmas", "nan"], "--sigmas must be a finite number"),
    ],
)
def test_empty_repeated_and_non_finite_options_are_refused(args, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _one_line_error(invoke(*args), fragment)


def test_files_a_user_might_hand_over_by_mistake_are_refused_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "latin1.toml").write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    _one_line_error(invoke("run", "latin1.toml"), "is not UTF-8 text")
    (tmp_path / "escape.toml").write_text('name = "../escaped"\nfamilies = ["wgan"]\ndatasets = ["8gaussians"]\n')
    _one_line_error(invoke("run", "escape.toml"), "must be a plain folder name")
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_bytes(b"\x00\xff garbage")
    _one_line_error(invoke("report", str(run)), "is corrupt (not valid JSON)")
    (run / "run.json").write_text('{"schema_version": 1, "tri')  # cut in half
    _one_line_error(invoke("report", str(run)), "is corrupt (not valid JSON)")
    (run / "run.json").write_text('{"schema_version": 1, "trials": []}')
    _one_line_error(invoke("report", str(run), "-o", str(run / "run.json")), "one of the run's own files")
    (tmp_path / "list.json").write_text("[1, 2]")
    (run / "run.json").write_text("[]")
    _one_line_error(invoke("report", str(run)), "is not a benchbench run file")


def test_run_sets_a_settings_key_from_the_command_line(tmp_path):
    out = tmp_path / "out"
    result = invoke(
        "run", "toy", "--families", "wgan-gp", "--datasets", "8gaussians", "--seeds", "1", "--budget", "2steps",
        "--set", "eval_points=1", "--set", "g_norm=layer", "--set", "final_samples=300", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (config,) = [json.loads(p.read_text()) for p in out.glob("*/config.json")]
    assert config["settings"]["eval_points"] == 1 and config["settings"]["g_norm"] == "layer"
    assert config["settings"]["final_samples"] == 300
