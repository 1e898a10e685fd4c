"""The HTML report opens in headless Chromium: its tables and plots render."""

import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from benchbench.cli import main

pytestmark = pytest.mark.slow  # runs a suite, then a browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SUITE = """
name = "html"
families = ["wgan-gp", "began"]
datasets = ["8gaussians"]
seeds = 2
budgets = ["40steps"]
[settings]
width = 0.125
eval_points = 4
eval_samples = 300
final_samples = 600
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("html")
    (root / "suite.toml").write_text(SUITE)
    result = CliRunner().invoke(main, ["run", str(root / "suite.toml"), "--out", str(root / "run"), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    return root / "run" / "report.html"


def test_the_report_is_one_self_contained_file(report):
    text = report.read_text()
    assert text.count("<table") >= 1 and "WGAN-GP" in text and "BEGAN" in text and "Verdict" in text
    assert text.count("data:image/png;base64,") >= 3  # two curves and the sample grids, embedded
    assert 'src="http' not in text and 'href="http' not in text


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_it_renders_in_headless_chromium(report, tmp_path):
    common = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*common, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert "<td>WGAN-GP</td>" in dom.stdout and "<td>BEGAN</td>" in dom.stdout
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*common, "--window-size=1200,1600", f"--screenshot={shot}", report.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.std() > 10  # not blank: text, tables and plots
    assert (pixels < 128).mean() > 0.005


def test_a_familys_declared_diagnostics_reach_both_reports(report):
    """BEGAN declares its k_t note, its equilibrium trace and M_global against FID (on points the
    validation metric is SWD, so the scatter has nothing to plot); the report names no family."""
    html, markdown = report.read_text(), (report.parent / "report.md").read_text()
    for text in (html, markdown):
        assert "equilibrium (k_t, mean between evaluation points):" in text
        assert "BEGAN seed 0: k_t " in text and "(max " in text
    assert 'alt="BEGAN k_t and autoencoder losses along training"' in html
    assert 'alt="BEGAN M_global against FID"' not in html
