"""Swept variants in suites, and the claim checks reports make from a run."""

import dataclasses

import pandas as pd
import pytest

from benchbench import suite
from benchbench.errors import UserError
from benchbench.families import FAMILIES
from benchbench.report import render_markdown
from benchbench.report.claims import CLAIMS, check_claims

SWEEP = """
families = ["began", "wgan-gp"]
datasets = ["mnist"]
seeds = 2
claim = "began"
[family.began]
lr = 2e-4
[sweep.began]
gamma = [0.3, 0.7]
"""


def test_a_sweep_makes_each_value_an_entry_of_its_own(suite_file):
    plan = suite.load(str(suite_file(SWEEP))).plan()
    began = [t for t in plan if t.family == "began"]
    assert sorted({t.variant for t in began}) == ["gamma=0.3", "gamma=0.7"] and len(began) == 4
    assert {(t.variant, t.family_config["gamma"], t.family_config["lr"]) for t in began} == {
        ("gamma=0.3", 0.3, 2e-4),
        ("gamma=0.7", 0.7, 2e-4),
    }
    assert len({t.config_hash() for t in began}) == 2 and len({t.key for t in plan}) == len(plan)
    wgan = [t for t in plan if t.family == "wgan-gp"]
    assert [t.variant for t in wgan] == ["", ""] and "variant" not in wgan[
        0
    ].config()  # hashes of unswept trials unchanged


def test_settings_at_their_later_defaults_stay_out_of_the_hash():
    """A trial that does not use swd_samples hashes as if the setting did not exist, so adding a
    setting does not rename (and retrain) every existing trial directory."""
    trial = suite.load("default").plan()[0]
    before = trial.config_hash()
    assert "swd_samples" not in trial.config()["settings"]
    trial.settings = dataclasses.replace(trial.settings, swd_samples=512)
    assert trial.config()["settings"]["swd_samples"] == 512 and trial.config_hash() != before


def test_a_change_of_published_defaults_is_another_configuration(monkeypatch):
    """Results and checkpoints made under other family defaults are never resumed as these."""
    trial = suite.load("default").plan()[0]
    before = trial.config_hash()
    monkeypatch.setitem(FAMILIES.get(trial.family).defaults, "lr", 0.123)
    assert trial.config_hash() != before


@pytest.mark.parametrize(
    "text, message",
    [
        ("[sweep.began]\ngama = [0.3]", "no setting"),
        ('[sweep.began]\ngamma = ["high"]', "must be float"),
        ("[sweep.began]\ngamma = 0.3", "non-empty list"),
        ("[sweep.dcgan]\nlr = [1e-4]", "not among the families"),
        ('claim = "nonsense"', "unknown claim"),
    ],
)
def test_bad_sweeps_and_claims_are_refused(suite_file, text, message):
    with pytest.raises(UserError, match=message):
        suite.load(str(suite_file('families = ["began"]\n' + text)))


def test_every_bundled_claim_suite_names_a_known_claim():
    names = [n for n in suite.builtin_names() if n.startswith("claim-")]
    assert len(names) == 4
    for name in names:
        loaded = suite.load(name)
        CLAIMS.get(loaded.claim)
        assert len(loaded.plan()) >= 6 and loaded.description


def runs(claim, family, values, column, variant_key, lower=None):
    rows = []
    for variant, finals in values.items():
        for seed, value in enumerate(finals):
            rows.append(
                {
                    "family": family,
                    "family_label": FAMILIES.get(family).label,
                    "variant": f"{variant_key}={variant}",
                    "seed": seed,
                    "dataset": "mnist",
                    "budget": "60s",
                    "status": "completed",
                    "claim": claim,
                    "primary_metric": "fid",
                    "extractor": "mnist-classifier",
                    "final_fid": 100.0 + seed,
                    column: value,
                    "trial": f"{family}-{variant}-{seed}",
                    "collapse_suspected": False,
                    "diverged_at_step": None,
                    "setting": 0,
                }
            )
    return pd.DataFrame(rows)


def test_progan_claim_outcomes():
    held = runs("progan", "progan", {"true": [50, 52, 51], "false": [80, 83, 79]}, "final_fid", "progressive")
    (check,) = check_claims(held)
    assert check.outcome == "held" and "ProGAN progressive=true 51" in check.findings[0]
    opposite = runs("progan", "progan", {"true": [80, 83, 79], "false": [50, 52, 51]}, "final_fid", "progressive")
    assert check_claims(opposite)[0].outcome == "did not hold"
    noisy = runs("progan", "progan", {"true": [50, 90, 70], "false": [60, 85, 72]}, "final_fid", "progressive")
    assert check_claims(noisy)[0].outcome == "inconclusive"


def test_cyclegan_claim_uses_label_accuracy_higher_is_better():
    frame = runs(
        "cyclegan",
        "cyclegan",
        {"10.0": [0.8, 0.82, 0.79], "0.0": [0.2, 0.25, 0.22]},
        "final_label_accuracy",
        "cycle_lambda",
    )
    (check,) = check_claims(frame)
    assert check.outcome == "held" and "label accuracy" in check.findings[0]
    text = render_markdown(frame)
    assert "## Claim: CycleGAN" in text and "**Outcome: held.**" in text
    from benchbench.report.html import render_html

    assert "<h2>Claim: CycleGAN" in render_html(frame) and "Outcome: held." in render_html(frame)


def test_began_gamma_claim_and_m_global_from_trajectories(tmp_path):
    frame = runs(
        "began",
        "began",
        {"0.3": [0.9, 0.92, 0.91], "0.5": [0.8, 0.81, 0.79], "0.7": [0.6, 0.62, 0.61]},
        "final_precision",
        "gamma",
    )
    frame["final_recall"] = [0.1, 0.12, 0.11, 0.3, 0.31, 0.29, 0.5, 0.52, 0.5]
    for index in frame.index:  # M_global and FID falling together along each trial
        directory = tmp_path / str(index)
        directory.mkdir()
        pd.DataFrame({"m_global": [0.5, 0.3, 0.2, 0.1], "fid": [900, 500, 300, 200]}).to_csv(
            directory / "trajectory.csv"
        )
        frame.loc[index, "trial_dir"] = str(directory)
    m_global, gamma = check_claims(frame)
    assert m_global.outcome == "held" and "in 9 of 9" in m_global.findings[0]
    assert gamma.outcome == "held" and list(gamma.table["gamma"]) == ["0.3", "0.5", "0.7"]
    frame["final_recall"] = frame["final_recall"].values[::-1]  # diversity falling with gamma: the opposite
    assert check_claims(frame)[1].outcome == "did not hold"


def test_wgan_gp_toy_claim_per_dataset():
    rows = []
    for dataset in ("8gaussians", "swissroll"):
        for family, swd, modes in (
            ("wgan-gp", [0.05, 0.06, 0.05], 8),
            ("wgan", [0.5, 0.6, 0.55], 3),
            ("dcgan", [0.2] * 3, 2),
        ):
            for seed, value in enumerate(swd):
                rows.append(
                    {
                        "family": family,
                        "family_label": FAMILIES.get(family).label,
                        "variant": "",
                        "dataset": dataset,
                        "seed": seed,
                        "status": "completed",
                        "final_swd": value,
                        "claim": "wgan-gp-toy",
                        "final_modes_covered": modes if dataset == "8gaussians" else None,
                    }
                )
    (check,) = check_claims(pd.DataFrame(rows))
    assert check.outcome == "held" and len(check.findings) == 2 and "modes covered 8 vs 3" in check.findings[0]
    assert set(check.table["family"]) == {"WGAN-GP", "WGAN", "DCGAN"}


@pytest.mark.slow
def test_a_claim_suite_runs_from_the_cli_and_states_its_outcome(tmp_path):
    from click.testing import CliRunner

    from benchbench.cli import main

    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        [
            "run",
            "claim-cyclegan",
            "--budget",
            "2steps",
            "--seeds",
            "1",
            "--jobs",
            "1",
            "--width",
            "0.0625",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    text = (out / "report.md").read_text()
    assert (
        "## Claim: CycleGAN" in text
        and "**Outcome: inconclusive.**" in text
        and "label accuracy: CycleGAN cycle_lambda=10.0" in text
    )
    assert "CycleGAN cycle_lambda=0.0" in text  # both variants in the leaderboard, by name


def test_began_gamma_claim_ignores_collapsed_generators():
    frame = runs("began", "began", {"0.3": [1.0] * 3, "0.5": [1.0] * 3, "0.7": [1.0] * 3}, "final_precision", "gamma")
    frame["final_recall"] = 0.0
    frame["collapse_suspected"] = [True] * 8 + [False]
    (gamma,) = check_claims(frame)
    assert gamma.outcome == "inconclusive" and "8 of 9 trials collapsed" in gamma.findings[0]
