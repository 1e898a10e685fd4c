"""The leaderboard site in a real browser: Debian's chromium, driven by selenium through Debian's
chromium-driver (.ci/run installs both). No console error; sorting and filtering change the
rows; every link resolves; a family named <script> is text, not code."""

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from boards import family_run, summary, write_run
from click.testing import CliRunner

from benchbench.cli import main

pytestmark = [
    pytest.mark.slow,  # starts a browser
    pytest.mark.skipif(
        shutil.which("chromium") is None or shutil.which("chromedriver") is None,
        reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
    ),
]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    board, runs = root / "a board", root / "runs with spaces"
    for name, run in (
        ("a", family_run(runs / "a", {"wgan-gp": [30, 31, 32], "began": [13, 14, 15], "dcgan": [50, 52, 51]})),
        ("b", write_run(runs / "b", [summary("x", s, 40.0 + s, label="<script>alert(1)</script>") for s in range(2)])),
        ("c", family_run(runs / "c", {"wgan": [9, 10]}, final={"n_fake": 500}, dataset="mnist")),
        ("d", family_run(runs / "d", {"lsgan": [3, 4]}, dataset="cifar10")),
    ):
        assert invoke("leaderboard", "add", run, "--into", board, "--commit", name).exit_code == 0
    out = root / "site"
    assert invoke("leaderboard", "build", board, "-o", out).exit_code == 0
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def visible_rows(browser):
    from selenium.webdriver.common.by import By

    return [
        row.find_elements(By.TAG_NAME, "td")[1].text
        for section in browser.find_elements(By.CSS_SELECTOR, "section.board-table")
        if section.is_displayed()
        for row in section.find_elements(By.CSS_SELECTOR, "table.ranked tbody tr")
    ]


def test_it_opens_without_console_errors_and_shows_names_as_text(site, browser):
    browser.get((site / "index.html").as_uri())
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    assert "<script>alert(1)</script>" in visible_rows(browser)
    assert browser.execute_script("return document.querySelectorAll('section.board-table').length") == 3


def test_sorting_a_column_changes_the_rows(site, browser):
    from selenium.webdriver.common.by import By

    browser.get((site / "index.html").as_uri())
    first = browser.find_elements(By.CSS_SELECTOR, "section.board-table[data-dataset=mnist]")[0]  # the main one

    def names():
        return [
            r.find_elements(By.TAG_NAME, "td")[1].text
            for r in first.find_elements(By.CSS_SELECTOR, "table.ranked tbody tr")
        ]

    assert names()[0] == "BEGAN"  # rank order: the leader first
    score = first.find_elements(By.TAG_NAME, "th")[2]
    score.click()  # ascending FID
    assert names() == ["BEGAN", "WGAN-GP", "<script>alert(1)</script>", "DCGAN"]
    score.click()  # descending
    assert names() == ["DCGAN", "<script>alert(1)</script>", "WGAN-GP", "BEGAN"]


def test_filters_hide_the_other_tables(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get((site / "index.html").as_uri())
    everything = visible_rows(browser)
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=dataset]")).select_by_value("cifar10")
    assert visible_rows(browser) == ["LSGAN"]
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=dataset]")).select_by_value("")
    assert visible_rows(browser) == everything


def test_every_link_resolves_from_every_page(site, browser):
    from selenium.webdriver.common.by import By

    pages = [site / "index.html", *sorted((site / "entries").glob("*.html"))]
    assert len(pages) == 1 + 6
    for page in pages:
        browser.get(page.as_uri())
        targets = [a.get_attribute("href") for a in browser.find_elements(By.TAG_NAME, "a")]
        targets += [img.get_attribute("src") for img in browser.find_elements(By.TAG_NAME, "img")]
        for target in targets:
            assert urlparse(target).scheme == "file" and Path(unquote(urlparse(target).path)).is_file(), (page, target)
        broken = browser.execute_script(
            "return Array.from(document.images).filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).length"
        )
        assert broken == 0, page.name
