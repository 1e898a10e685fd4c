"""The plugin `pyproject.toml` that docs/writing-a-family.md prints (examples/lsgan's) builds and
installs in a clean virtualenv, where `benchbench list` then finds the family through its entry
point. The new environment sees this one's packages (torch, benchbench) through a .pth file, as
an environment with benchbench installed first would; nothing is downloaded."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a virtualenv, a wheel build and an install: about half a minute

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "lsgan"


def test_the_documented_plugin_pyproject_is_the_example_s():
    text = (ROOT / "docs" / "writing-a-family.md").read_text()
    documented = re.search(r"A complete\n`pyproject.toml`.*?```toml\n(.*?)```", text, re.S).group(1)
    shipped = "\n".join(
        line for line in (EXAMPLE / "pyproject.toml").read_text().splitlines() if not line.startswith("#")
    )
    for line in documented.strip().splitlines():
        assert line in shipped, line


def test_the_plugin_builds_and_installs_in_a_clean_virtualenv(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, EXAMPLE],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("benchbench_lsgan-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "benchbench_lsgan/__init__.py" in names
    assert "Requires-Dist: benchbench @ git+https://github.com/benchbench/benchbench@v0.4.0" in metadata
    assert "[benchbench.families]\nlsgan = benchbench_lsgan:LSGAN" in entry_points

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    ).stdout.strip()
    outer = sysconfig.get_paths()["purelib"]  # torch, and benchbench through its own editable .pth
    Path(site, "outer.pth").write_text(f"import site; site.addsitedir({outer!r})\n")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", wheel], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    listing = subprocess.run([python, "-m", "benchbench", "list"], capture_output=True, text=True, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr[-2000:]
    assert "from: entry point benchbench_lsgan:LSGAN from benchbench-lsgan 0.1.0" in listing.stdout
    assert (
        str(env_dir)
        in subprocess.run(
            [python, "-c", "import benchbench_lsgan; print(benchbench_lsgan.__file__)"], capture_output=True, text=True
        ).stdout
    )  # the clean environment's copy, not the checkout's
