import numpy as np
import pytest
from click.testing import CliRunner

from benchbench import suite as suites
from benchbench.cli import main
from benchbench.report.hyper import expected_best

SUITE = """
name = "hp"
families = ["began"]
datasets = ["8gaussians"]
seeds = 2
budgets = ["15steps"]
hyperparameter_samples = 3
[settings]
width = 0.125
eval_points = 2
eval_samples = 300
final_samples = 500
[family.began]
gamma = 0.7
"""


def test_settings_are_drawn_from_the_published_ranges():
    suite = suites.from_dict({"families": ["wgan-gp", "began"], "hyperparameter_samples": 40}, "test")
    wgan_gp, began = suite.family_settings("wgan-gp"), suite.family_settings("began")
    assert wgan_gp[0] == {} and len(wgan_gp) == 40  # setting 0: the published defaults
    for config in wgan_gp[1:]:
        assert 1e-5 <= config["lr"] <= 1e-2 and 0 <= config["betas"][0] <= 1 and config["betas"][1] == 0.9
        assert 1 <= config["n_critic"] <= 5 and 0.1 <= config["gp_lambda"] <= 100
    for config in began[1:]:
        assert 1e-4 <= config["lambda_k"] <= 1e-2 and 0 <= config["gamma"] <= 1
    assert suite.family_settings("began") == began  # drawn from a fixed seed


def test_expected_best_by_hand():
    scores = np.array([3.0, 1.0, 2.0])  # validation and test agree: the best of k draws
    curve = expected_best(scores, scores, draws=20000)
    assert curve["mean"].iloc[0] == pytest.approx(2.0, rel=0.02)  # one setting: the mean
    # best of 3 drawn with replacement: P(min = 1) = 1 - (2/3)^3, P(min = 2) = (2/3)^3 - (1/3)^3
    expected = 1 * (1 - (2 / 3) ** 3) + 2 * ((2 / 3) ** 3 - (1 / 3) ** 3) + 3 * (1 / 3) ** 3
    assert curve["mean"].iloc[2] == pytest.approx(expected, rel=0.02)
    assert curve["mean"].is_monotonic_decreasing


def test_selection_is_on_validation_and_the_value_on_test():
    """Lucic et al.'s protocol: a setting that looks best on test but not on validation is not chosen."""
    validation, test = np.array([1.0, 2.0]), np.array([5.0, 0.5])
    curve = expected_best(validation, test, draws=5000)
    # with both settings drawn (P = 1/2 at k = 2) validation picks setting 0, whose test value is 5
    assert curve["mean"].iloc[1] == pytest.approx(0.5 * 5.0 + 0.25 * 5.0 + 0.25 * 0.5, rel=0.05)


@pytest.mark.slow
def test_a_study_runs_and_reports_budget_curves(tmp_path):
    (tmp_path / "hp.toml").write_text(SUITE)
    result = CliRunner().invoke(
        main, ["run", str(tmp_path / "hp.toml"), "--out", str(tmp_path / "run"), "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "run").glob("*/summary.json"))) == 3 * 2
    assert "Equal tuning effort" in result.output and "E[selected of 3]" in result.output
    assert "Verdict at equal tuning effort" not in result.output  # one family: nothing to compare
    assert "| BEGAN    |       2 |" in result.output  # the leaderboard counts setting 0's seeds only
    html = (tmp_path / "run" / "report.html").read_text()
    assert "Equal tuning effort" in html and html.count("data:image/png;base64,") >= 3
