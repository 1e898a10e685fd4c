"""Every benchbench command line the README and docs/ show is run by a test, in its page's order
(test_readme.py, test_docs.py, test_docs_user_guide.py, test_docs_gate.py,
test_docs_leaderboard.py), or listed here or beside its page's test with the test that runs what
it does: a new line on a page is run or explained, never left unchecked."""

from __future__ import annotations

import shlex

import test_docs
import test_docs_gate
import test_docs_leaderboard
import test_docs_user_guide
import test_readme

ELSEWHERE = {
    "benchbench eval --images X.npz --against mnist:test --extractor inception-v3-offline --metrics fid,kid":
        "tests/test_eval.py scores digits and noise with inception-v3-offline through `benchbench eval`",
    "benchbench run my_suite.toml --executor ray": "tests/test_ray.py runs a suite on a local Ray instance",
    "benchbench run my_suite.toml --executor ray --address auto --out /shared/results/my_suite":
        "a cluster of the reader's own; tests/test_ray.py runs a local one",
}  # fmt: skip


def run_lines() -> set[str]:
    guide = set(test_docs_user_guide.page_lines())
    return (
        (guide - set(test_docs_user_guide.NOT_RUN))
        | set(test_readme.readme_lines())
        | set(test_docs_gate.gate_lines())
        | {"benchbench " + shlex.join(c) for c in test_docs_leaderboard.page_commands()}
        | set(test_docs.command_lines())
    )


def test_every_command_line_is_run_or_explained():
    explained = set(ELSEWHERE) | set(test_docs_user_guide.NOT_RUN) | set(test_readme.README_NOT_RUN)
    shown = set(test_readme.command_lines()) | set(test_docs.command_lines())
    unchecked = sorted(shown - run_lines() - explained)
    assert not unchecked, unchecked
