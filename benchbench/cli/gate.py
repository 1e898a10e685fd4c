"""The regression gate's commands: baseline, check, history (docs/gate.md)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click

from benchbench.cli.common import check_writable, user_errors, valued
from benchbench.errors import UserError


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Baseline JSON to write.")
@click.option(
    "--allow-one-seed",
    is_flag=True,
    help="Accept entries with a single completed seed, marked untoleranced (decided by the minimum effect alone).",
)
@user_errors
def baseline(run_dir: Path, output: Path, allow_one_seed: bool) -> None:
    """Write a baseline from RUN_DIR for `benchbench check`: one entry per experiment (family or
    variant, setting, dataset, budget, extractor and weights), with every seed's value of each
    gated metric, the relative speed, the hardware and the software."""
    from benchbench.gate import make_baseline
    from benchbench.report import load_runs
    from benchbench.results import write_json

    check_writable(output, parents=True)  # baselines/ need not exist yet in a repository's first setup
    made = make_baseline(load_runs([run_dir]), allow_one_seed=allow_one_seed)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_json(output, made)
    untoleranced = [e["family"] for e in made["entries"] if e["untoleranced"]]
    click.echo(f"baseline written to {output} ({len(made['entries'])} entries)")
    if untoleranced:
        click.echo(f"untoleranced (1 seed, minimum effect alone): {', '.join(untoleranced)}")


@click.command(name="check")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path), help="A baseline JSON file.")
@click.option(
    "--history",
    "history_dir",
    type=click.Path(path_type=Path),
    help="Instead of a baseline: the recent records of this history folder (benchbench history add).",
)
@valued(
    "--window",
    click.IntRange(min=1),
    10,
    "With --history: the latest records pooled as the baseline (those since the last change point).",
)
@click.option(
    "--machine",
    help="With --history: the machine kind the history is kept for, as `history add --machine` recorded it "
    "[default: the trials' CPU or GPU model and threads].",
)
@valued(
    "--alpha",
    click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    0.05,
    "The check's false-alarm rate: Holm over every test of the check (each metric of each entry, speeds, lost seeds).",
)
@valued(
    "--min-change",
    click.FloatRange(min=0),
    0.05,
    "Smallest regression that counts for a quality metric, relative to the baseline mean.",
)
@valued(
    "--speed-change",
    click.FloatRange(min=0),
    0.10,
    "Smallest regression that counts for the relative speed, relative to the baseline mean.",
)
@valued(
    "--wall-speed-change",
    click.FloatRange(min=0),
    0.25,
    "The same for the wall-clock relative speed (sees sleeping, I/O waits and lost threads; a neighbour moves it more).",
)
@click.option(
    "--speed/--no-speed",
    default=True,
    show_default=True,
    help="Gate the relative speed (images/s over a reference workload timed in the same process; same hardware only).",
)
@click.option(
    "--require-same-config",
    is_flag=True,
    help="Refuse (exit 2) a run whose family configuration differs from the baseline's, instead of gating it.",
)
@click.option("--sigmas", type=float, hidden=True, help="Deprecated: read as --alpha = P(Z > SIGMAS).")
@user_errors
def check_command(
    run_dir: Path,
    baseline_path: Path | None,
    history_dir: Path | None,
    window: int,
    machine: str | None,
    alpha: float,
    min_change: float,
    speed_change: float,
    wall_speed_change: float,
    speed: bool,
    require_same_config: bool,
    sigmas: float | None,
) -> None:
    """Compare RUN_DIR with a baseline (or the records of a history before it). A metric regresses
    when the run is significantly worse (one-sided Welch t-test over seeds, Holm-adjusted over the
    whole check, p < --alpha) and by at least the minimum effect. Exit 0: no regression; 1: a regression; 2: bad input, including a run of
    another experiment (no shared entry, or another budget, feature extractor, extractor weights
    or step settings) or an entry with no completed trial. A changed configuration is listed and gated."""
    from benchbench.gate import Rule, check, format_table
    from benchbench.report import load_runs

    for option, value in (
        ("--min-change", min_change),
        ("--speed-change", speed_change),
        ("--wall-speed-change", wall_speed_change),
        ("--sigmas", sigmas),
    ):
        if value is not None and not math.isfinite(value):  # nan would make every comparison pass
            raise UserError(f"{option} must be a finite number, got {value}")
    if sigmas is not None:
        from scipy.stats import norm

        alpha = float(norm.sf(sigmas))
        click.echo(f"--sigmas is deprecated: read as --alpha {alpha:.3g} (the gate now tests the difference)", err=True)
    if (baseline_path is None) == (history_dir is None):
        raise UserError("give one of --baseline FILE and --history DIR")
    if machine is not None and history_dir is None:
        raise UserError("--machine goes with --history (a baseline file records its own hardware)")
    runs = load_runs([run_dir])
    rule = Rule(alpha, min_change, speed_change, speed, require_same_config, wall_speed_change)
    if history_dir is not None:
        reference, described, notes = _history_baseline(history_dir, run_dir, runs, window, machine, rule)
        for note in notes:
            click.echo(note)
        if reference is None:  # the history's first run: a run is never its own baseline
            click.echo(
                "PASS: nothing to compare with (the first record of this history); the next run compares with it"
            )
            sys.exit(0)
    else:
        reference, described = _read_baseline(baseline_path), str(baseline_path)
    table, passed = check(runs, reference, rule)
    changed = table[table["verdict"].astype(str).str.startswith("changed")]
    if len(changed):
        click.echo(
            f"configuration changed since the baseline ({len(changed)} settings, listed below): gated as a "
            "check of the new configuration against the old; --require-same-config refuses instead"
        )
    click.echo(f"against {described}")
    click.echo(format_table(table))
    click.echo("PASS: no regression against the baseline" if passed else "FAIL: regression against the baseline")
    sys.exit(0 if passed else 1)


def _read_baseline(path: Path | None) -> object:
    from benchbench.results import read_json

    try:
        return read_json(Path(str(path)))
    except FileNotFoundError:
        raise UserError(f"baseline {path} does not exist") from None
    except (ValueError, UnicodeDecodeError):
        raise UserError(f"baseline {path} is not valid JSON") from None


def _history_baseline(
    history_dir: Path, run_dir: Path, runs: object, window: int, machine: str | None, rule: object
) -> tuple[dict | None, str, list[str]]:
    from benchbench.gate import make_baseline
    from benchbench.gate.history import History, run_hash, run_identity
    from benchbench.gate.pool import history_baseline

    suite, hardware = run_identity(run_dir, runs)
    history = History.open(history_dir)
    history.check_identity(suite, machine or hardware)
    entries = make_baseline(runs, allow_one_seed=True, allow_lost=True)["entries"]
    pooled = history_baseline(history, entries, run_hash(runs), hardware, window, rule)
    described = (
        f"the {pooled.records} latest records before this run in {history_dir} ({suite} on {machine or hardware})"
    )
    return pooled.baseline, described, pooled.notes


@click.group()
def history() -> None:
    """The gate's history: one record per gate run in a folder a repository keeps (add), drawn
    over commits with change points (show)."""


@history.command(name="add")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--into", "folder", type=click.Path(path_type=Path), required=True, help="The history folder.")
@click.option("--commit", help="The commit the run tested [default: $GITHUB_SHA, $CI_COMMIT_SHA, or git's HEAD].")
@click.option(
    "--machine",
    help="The machine kind, e.g. 'gh-ubuntu-latest' [default: the trials' device, CPU model and threads].",
)
@user_errors
def history_add(run_dir: Path, folder: Path, commit: str | None, machine: str | None) -> None:
    """Append RUN_DIR to the history in FOLDER as one new file (safe beside other jobs)."""
    from benchbench.gate.history import History
    from benchbench.report import load_runs
    from benchbench.results.commits import commit_time, current_commit

    runs = load_runs([run_dir])
    history = History.open(folder, must_exist=False)
    found, time = current_commit() if commit is None else (commit, commit_time(commit))
    path = history.add(run_dir, runs, found, time, machine)
    click.echo(f"recorded {run_dir} at commit {found[:12]} as {path} ({len(history.records)} records)")


@history.command(name="show")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Folder for index.html and the PNGs.")
@valued(
    "--min-change", click.FloatRange(min=0), 0.05, "Smallest step marked as a change, relative to the metric's level."
)
@valued("--speed-change", click.FloatRange(min=0), 0.10, "The same for the relative speed (the gate's rule).")
@valued("--wall-speed-change", click.FloatRange(min=0), 0.25, "The same for the wall-clock relative speed.")
@click.option("--speed/--no-speed", default=True, show_default=True, help="Search the speeds for changes too.")
@click.option(
    "--commit-url",
    help="Link commits with this template, e.g. 'https://github.com/OWNER/REPO/commit/{commit}'.",
)
@user_errors
def history_show(
    folder: Path,
    output: Path | None,
    min_change: float,
    speed_change: float,
    wall_speed_change: float,
    speed: bool,
    commit_url: str | None,
) -> None:
    """Draw each gated metric over the commits of FOLDER's history with its band, mark the change
    points and name the last good and first bad commit of each."""
    from benchbench.gate import Rule
    from benchbench.gate.history import History
    from benchbench.gate.pages import draw

    if commit_url is not None and "{commit}" not in commit_url:
        raise UserError("--commit-url needs {commit} where the commit goes")
    found = History.open(folder)
    if not found.records:
        raise UserError(f"history {folder} has no records yet (benchbench history add RUN_DIR --into {folder})")
    out = output or folder / "pages"
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file; give a folder")
    rule = Rule(min_change=min_change, speed_change=speed_change, speed=speed, wall_speed_change=wall_speed_change)
    changes = draw(found, out, rule, commit_url)
    suite, machine = found.identity or ("?", "?")
    click.echo(f"{len(found.records)} records of {suite} on {machine}; {len(changes)} change points")
    for change in changes:
        click.echo(f"- {change.sentence()}")
    click.echo(f"drawn: {out / 'index.html'}")


@history.command(name="accept")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--commit", required=True, help="The commit at which the new levels start (as `history show` names it).")
@click.option("--reason", default="", help="Why the new level is right (kept in the file).")
@user_errors
def history_accept(folder: Path, commit: str, reason: str) -> None:
    """Accept the levels that changed at COMMIT: `check --history` compares with them from then
    on (until accepted, it keeps the level before a worse change). Writes one file into FOLDER/accepted/."""
    from benchbench.gate.history import History

    found = History.open(folder)
    path = found.accept(commit, reason)
    click.echo(f"accepted the levels from commit {commit[:12]}: {path}")
