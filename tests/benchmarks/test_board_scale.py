"""A board at scale (pytest-benchmark, `make bench`): 1,000 runs of 3 seeds, one entry each, built
into a site, and its index opened in headless Chromium. The aims are a build under 30 s and an
index that opens under 2 s on 2 cores; the numbers are read off the benchmark's report, never
asserted in a test."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))  # tests/boards.py
from boards import family_run  # noqa: E402

from benchbench.board import add_run, build  # noqa: E402

RUNS = 1000


@pytest.fixture(scope="module")
def big_board(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    for i in range(RUNS):
        run = family_run(root / "runs" / f"r{i}", {f"fam{i:04d}": [30.0 + i % 17, 31.0 + i % 13, 32.0 + i % 7]})
        add_run(root / "board", run, commit=f"c{i}")
    return root / "board"


def test_build_a_board_of_1000_runs(benchmark, big_board, tmp_path):
    document = benchmark.pedantic(build, args=(big_board, tmp_path / "site"), rounds=1, iterations=1)
    assert sum(len(t["entries"]) for t in document["tables"]) == RUNS


@pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("chromedriver") is None, reason="needs chromium")
def test_open_the_index_of_1000_entries(benchmark, big_board, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    site = tmp_path_factory.mktemp("site")
    build(big_board, site)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        rows = benchmark.pedantic(
            lambda: (driver.get((site / "index.html").as_uri()), driver.execute_script(
                "return document.querySelectorAll('table.ranked tbody tr').length"))[1],
            rounds=3, iterations=1,
        )  # fmt: skip
    finally:
        driver.quit()
    assert rows == RUNS
