"""The regression gate's power: bugs injected on purpose, and harmless changes, each through the
shipped gate (a suite run with the changed code, then `benchbench check` with the shipped code
against a baseline of the unchanged code). The table of caught and missed bugs and of false
alarms is the gate's own test score, as a mutation score is a test suite's.

    python ci/gate-power/power.py [--suite regression] [--work results/gate-power] [--only NAME,...]
    python ci/gate-power/power.py --reseeds 20 --repeats 3     # the rates, with their intervals

`--reseeds N` adds N harmless runs of the unchanged code, each at three seeds of its own (3..5,
6..8, ...): the check-wide false-alarm rate is the share of them that fail, with its exact
(Clopper-Pearson) 95% interval. `--repeats R` runs every bug at R seed sets (its own, then
100.., 200.., ...): each bug's detection rate is the share caught. Running time: each run is one
gate suite run, about 8 minutes on 2 cores for `regression`, so 20 reseeds and 3 repeats of the
14 bugs are about (20 + 42) x 8 min = 8 h 16 min, alone.

Each case's code is a copy of benchbench/ (and the example LSGAN package) with the case's patches
applied, put first on PYTHONPATH for the run and its workers. Results are kept per case in
WORK/results.json, so a rerun skips the cases already done. Run it alone: each case is one full
gate run (about 8 minutes on 2 cores), and the busy-process case adds its own load on purpose.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).with_name("cases.toml")


def copy_source(case: dict[str, Any], dest: Path) -> None:
    """benchbench/ and the example plugin, patched as the case says; a patch must apply once."""
    if dest.exists():
        shutil.rmtree(dest)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "benchbench", dest / "benchbench", ignore=ignore)
    shutil.copytree(ROOT / "examples" / "lsgan" / "benchbench_lsgan", dest / "benchbench_lsgan", ignore=ignore)
    for patch in case.get("patches", []):
        path = dest / patch["file"]
        text = path.read_text()
        if text.count(patch["old"]) != 1:
            sys.exit(
                f"{case['name']}: the patch for {patch['file']} matches {text.count(patch['old'])} times, not once"
            )
        path.write_text(text.replace(patch["old"], patch["new"]))
    if "move_function" in case:
        move = case["move_function"]
        path = dest / move["file"]
        text = path.read_text()
        node = next(n for n in ast.parse(text).body if getattr(n, "name", None) == move["function"])
        lines = text.splitlines(keepends=True)
        block = "".join(lines[node.lineno - 1 : node.end_lineno])
        path.write_text("".join(lines[: node.lineno - 1] + lines[node.end_lineno :]).rstrip() + "\n\n\n" + block)


def suite_for(case: dict[str, Any], suite: str, dest: Path) -> str:
    """The suite to run: the shipped one, or a copy with the case's seeds."""
    if "seeds" not in case:
        return suite
    source = ROOT / "benchbench" / "suites" / f"{suite}.toml"
    text = source.read_text() if source.exists() else Path(suite).read_text()
    lines = [_reseeded(line, case["seeds"]) for line in text.splitlines()]
    path = dest / f"{Path(suite).stem}.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _reseeded(line: str, seeds: list[int]) -> str:
    """A suite line with the case's seeds: `seeds` as given, and each dataset of `dataset_seeds`
    at as many seeds as it had, a set of its own (from min(seeds) x count), so that a reseeded
    run's cheap entries are new draws too, never the baseline's seeds replayed."""
    if line.startswith("seeds ="):
        return f"seeds = {seeds}"
    if not line.startswith("dataset_seeds ="):
        return line
    counts = {name: v if isinstance(v, int) else len(v) for name, v in tomllib.loads(line)["dataset_seeds"].items()}
    shifted = (f"{name} = {[min(seeds) * n + i for i in range(n)]}" for name, n in counts.items())
    return f"dataset_seeds = {{{', '.join(shifted)}}}"


def benchbench(*args: str, code: Path | None = None) -> subprocess.CompletedProcess:
    """A benchbench command with the given code first on the path (default: this checkout's).
    It runs in the code's folder: `python -m` puts the working directory first on sys.path,
    ahead of PYTHONPATH, so run from this checkout it would import this checkout's code."""
    env, cwd = _environment(code)
    return subprocess.run(
        [sys.executable, "-m", "benchbench.cli", *args], env=env, capture_output=True, text=True, cwd=cwd
    )


def _environment(code: Path | None) -> tuple[dict[str, str], Path]:
    paths = [code] if code else [ROOT, ROOT / "examples" / "lsgan"]  # a copy holds benchbench_lsgan beside benchbench
    return dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in paths)), code or ROOT


def imported_from(code: Path | None) -> Path:
    """Where the case's runs import benchbench from: a patch is tested only if that is its copy."""
    env, cwd = _environment(code)
    done = subprocess.run(
        [sys.executable, "-c", "import benchbench, benchbench_lsgan; print(benchbench.__file__)"],
        env=env, capture_output=True, text=True, cwd=cwd, check=True,
    )  # fmt: skip
    return Path(done.stdout.strip()).parent.parent


def run_suite(suite: str, out: Path, code: Path | None, busy: bool = False) -> float:
    neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    started = time.perf_counter()
    try:
        done = benchbench("run", suite, "--out", str(out), "--device", "cpu", code=code)
    finally:
        if neighbour is not None:
            neighbour.kill()
    if done.returncode != 0:
        sys.exit(f"the suite run into {out} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def flagged(run: Path, baseline: Path) -> list[dict[str, Any]]:
    """The rows that failed the gate, worst change first (the shipped code decides)."""
    sys.path.insert(0, str(ROOT))
    from benchbench.gate import check, failed
    from benchbench.report import load_runs

    table, _ = check(load_runs([run]), json.loads(baseline.read_text()))
    rows = table[failed(table)]
    found = [
        {
            "entry": f"{r.family} on {r.dataset}",
            "metric": r.metric,
            "baseline": r.baseline,
            "run": r.run,
            "change": None if r.change != r.change else float(r.change),
            "p": None if r.p != r.p else float(r.p),
        }
        for r in rows.itertuples()
    ]
    return sorted(found, key=lambda row: -abs(row["change"] or 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="regression")
    parser.add_argument("--work", type=Path, default=ROOT / "results" / "gate-power")
    parser.add_argument("--only", default="", help="Comma-separated case names.")
    parser.add_argument("--recheck", action="store_true", help="Check the runs already made again; run nothing.")
    parser.add_argument("--reseeds", type=int, default=0, help="Harmless runs of the unchanged code at new seeds.")
    parser.add_argument("--repeats", type=int, default=1, help="Seed sets each bug runs at.")
    options = parser.parse_args()
    cases = expanded(tomllib.loads(CASES.read_text())["case"], options.reseeds, options.repeats)
    wanted = [name for name in options.only.split(",") if name]
    work = options.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    baseline = work / "baseline.json"
    if not baseline.exists():
        wall = run_suite(options.suite, work / "baseline-run", None)
        print(f"baseline run: {wall:.0f} s", flush=True)
        made = benchbench("baseline", str(work / "baseline-run"), "-o", str(baseline))
        if made.returncode != 0:
            sys.exit(made.stderr)
    results_path = work / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    for case in cases:
        folder = work / case["name"]
        if options.recheck:
            if case["name"] in results:
                results[case["name"]] |= checked_case(folder, baseline)
            continue
        if (wanted and case["name"] not in wanted) or (not wanted and case["name"] in results):
            continue
        threads = trial_threads(options.suite)
        if case.get("needs_threads", 1) > threads:
            print(
                f"{case['name']}: skipped, it needs {case['needs_threads']} threads per trial and gets {threads} here"
            )
            continue
        copy_source(case, folder / "code")
        source = imported_from(folder / "code")
        if source.resolve() != (folder / "code").resolve():
            sys.exit(f"{case['name']}: the run would import benchbench from {source}, not the patched copy")
        suite = suite_for(case, options.suite, folder)
        if (folder / "run").exists():
            shutil.rmtree(folder / "run")
        wall = run_suite(suite, folder / "run", folder / "code", busy=case.get("busy", False))
        results[case["name"]] = {"kind": case["kind"], "what": case["what"], "wall_seconds": wall}
        results[case["name"]] |= checked_case(folder, baseline)
        results_path.write_text(json.dumps(results, indent=1) + "\n")
        print(f"{case['name']}: exit {results[case['name']]['exit']} ({wall:.0f} s)", flush=True)
    results_path.write_text(json.dumps(results, indent=1) + "\n")
    print(table(cases, results))
    print("\n".join(rates(cases, results)))


def expanded(cases: list[dict[str, Any]], reseeds: int, repeats: int) -> list[dict[str, Any]]:
    """The cases, each bug also at repeats - 1 further seed sets, and `reseeds` harmless runs."""
    out = []
    for case in cases:
        out.append(case)
        if case["kind"] == "bug":
            own = case.get("seeds", [0, 1, 2])
            out += [
                case | {"name": f"{case['name']}@{r}", "seeds": [100 * r + s for s in own]} for r in range(1, repeats)
            ]
    for k in range(1, reseeds + 1):
        seeds = [3 * k, 3 * k + 1, 3 * k + 2]
        out.append(
            {
                "name": f"reseed-{k}",
                "kind": "harmless",
                "what": f"the unchanged code at seeds {seeds}",
                "patches": [],
                "seeds": seeds,
            }
        )
    return out


def rates(cases: list[dict[str, Any]], results: dict[str, Any]) -> list[str]:
    """The false-alarm rate over the reseeded harmless runs and each bug's detection rate, as the
    shipped default gives them, then at each check-wide alpha where the runs recorded it."""
    from scipy.stats import binomtest

    def share(outcomes: list[bool]) -> tuple[str, str]:
        low, high = binomtest(sum(outcomes), len(outcomes)).proportion_ci(0.95, method="exact")
        return (
            f"{sum(outcomes)} of {len(outcomes)}",
            f"({sum(outcomes) / len(outcomes):.0%}; 95% CI {low:.0%} to {high:.0%})",
        )

    lines = []
    reseeded = [results[c["name"]] for c in cases if c["name"].startswith("reseed-") and c["name"] in results]
    if reseeded:
        count, interval = share([r["exit"] == 1 for r in reseeded])
        lines.append(f"false alarms: {count} reseeded harmless runs {interval}")
        for alpha in ALPHAS:
            at = [r["fails_at"][str(alpha)] for r in reseeded if "fails_at" in r]
            if at:
                count, interval = share(at)
                lines.append(f"  at a check-wide alpha of {alpha:g}: {count} {interval}")
    for case in cases:
        if case["kind"] != "bug" or "@" in case["name"]:
            continue
        runs = [results[n] for n in results if n == case["name"] or n.startswith(case["name"] + "@")]
        if len(runs) > 1:
            caught = sum(r["exit"] == 1 for r in runs)
            by_alpha = [
                f"{sum(r['fails_at'][str(a)] for r in runs if 'fails_at' in r)} at {a:g}"
                for a in ALPHAS
                if any("fails_at" in r for r in runs)
            ]
            more = f" ({', '.join(by_alpha)})" if by_alpha else ""
            lines.append(f"{case['name']}: caught in {caught} of {len(runs)} seed sets{more}")
    return lines


def trial_threads(suite: str) -> int:
    """The threads each image trial of the suite gets on this machine (its jobs share the cores)."""
    sys.path.insert(0, str(ROOT))
    from benchbench.environment import threads_per_trial
    from benchbench.suite import load

    return threads_per_trial(load(suite).jobs, "image")


def checked_case(folder: Path, baseline: Path) -> dict[str, Any]:
    """The shipped gate's verdict on a case's run: its exit code and the rows that failed, and
    what the same run gives at each check-wide rate in ALPHAS (one set of runs answers both)."""
    checked = benchbench("check", str(folder / "run"), "--baseline", str(baseline))
    (folder / "check.txt").write_text(checked.stdout + checked.stderr)
    result = {
        "exit": checked.returncode,
        "flagged": flagged(folder / "run", baseline) if checked.returncode == 1 else [],
    }
    return result | at_rates(folder / "run", baseline)


ALPHAS = (0.01, 0.05)


def at_rates(run: Path, baseline: Path) -> dict[str, Any]:
    """Whether the check fails at each check-wide alpha, and its smallest Holm-adjusted p with its row."""
    sys.path.insert(0, str(ROOT))
    from benchbench.gate import check, failed
    from benchbench.gate.compare import Rule
    from benchbench.report import load_runs

    runs, base = load_runs([run]), json.loads(baseline.read_text())
    fails = {}
    for alpha in ALPHAS:  # Holm's adjusted p does not depend on alpha: any table gives the closest call
        table, _ = check(runs, base, Rule(alpha=alpha))
        fails[str(alpha)] = bool(failed(table).any())
    tested = table[table["p_holm"].notna()]
    if tested.empty:
        return {"fails_at": fails}
    row = tested.astype({"p_holm": float, "p": float}).sort_values(["p_holm", "p"]).iloc[0]  # Holm ties at 1
    closest = {
        "entry": f"{row.family} on {row.dataset}",
        "metric": row.metric,
        "p": float(row.p),
        "p_holm": float(row.p_holm),
    }
    return {"fails_at": fails, "closest": closest}


def table(cases: list[dict[str, Any]], results: dict[str, Any]) -> str:
    """The Markdown table docs/gate.md shows."""
    lines = ["| change | kind | gate | flagged by (largest changes) |", "|---|---|---|---|"]
    for case in cases:
        result = results.get(case["name"])
        if result is None:
            continue
        good = (result["exit"] == 1) == (case["kind"] == "bug")
        outcome = {1: "failed", 0: "passed"}.get(result["exit"], f"exit {result['exit']}")
        verdict = ("caught" if good else "missed") if case["kind"] == "bug" else ("ok" if good else "false alarm")
        shown = "; ".join(
            f"{row['metric'].removeprefix('final_')} {row['entry']} "
            + (f"{row['change']:+.0%}" if row["change"] is not None else "")
            + (f" (p {row['p']:.1g})" if row["p"] is not None else "")
            for row in result["flagged"][:3]
        )
        more = f" and {len(result['flagged']) - 3} more" if len(result["flagged"]) > 3 else ""
        lines.append(f"| {case['what']} | {case['kind']} | {outcome}: **{verdict}** | {shown}{more} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
