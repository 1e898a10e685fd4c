"""Families, datasets and extractors from outside benchbench: the public names, entry-point
discovery with origins, broken and clashing plugins, and `package.module:Class` imports."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchbench.errors import UserError
from benchbench.families import FAMILIES, _not_a_family
from benchbench.families.wgan_gp import WGANGP
from benchbench.registry import Registry

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "lsgan" / "benchbench_lsgan" / "__init__.py"

PLUGIN = """
from benchbench import Family


class Good(Family):
    name = "good"
    defaults = {"lr": 1e-3}

    def modules(self):
        return {"generator": self.generator}

    def optimisers(self):
        return {}

    def train_step(self, real):
        return {}


class Other(Good):
    name = "wgan-gp"


class Renamed(Good):
    name = "not-what-the-entry-point-says"


NOT_A_FAMILY = 3
"""


def fake_distribution(root: Path, name: str, version: str, points: dict[str, dict[str, str]]) -> None:
    """An installed distribution as importlib.metadata sees one: a dist-info folder on sys.path."""
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    text = "".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()) for group, entries in points.items()
    )
    (info / "entry_points.txt").write_text(text)


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """Two installed packages in the group `benchbench.test-families`: good, broken, clashing."""
    (tmp_path / "plugin_mod.py").write_text(PLUGIN)
    group = "benchbench.test-families"
    fake_distribution(
        tmp_path,
        "pkg-one",
        "1.2.3",
        {
            group: {
                "good": "plugin_mod:Good",
                "wgan-gp": "plugin_mod:Other",
                "missing": "no_such_module:Thing",
                "number": "plugin_mod:NOT_A_FAMILY",
                "renamed": "plugin_mod:Renamed",
                "twice": "plugin_mod:Good",
            }
        },
    )
    fake_distribution(tmp_path, "pkg-two", "0.1", {group: {"twice": "plugin_mod:Good"}})
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry("family", group=group, validate=_not_a_family, importable=True)
    registry.register("wgan-gp")(WGANGP)
    return registry, tmp_path


def test_the_public_names_are_importable_and_typed():
    import benchbench
    from benchbench import Dataset, ExtractorInfo, Family, NetSpec, check_family, load, run  # noqa: F401

    assert set(benchbench.__all__) - {"__version__"} == set(benchbench._PUBLIC)
    for name in benchbench._PUBLIC:
        assert getattr(benchbench, name) is not None, name
    assert run.__annotations__ and load.__annotations__ and check_family.__annotations__
    with pytest.raises(AttributeError):
        benchbench.no_such_name  # noqa: B018


@pytest.mark.slow  # end to end: starts processes (each imports torch and torch-fidelity, about 5 s)
def test_importing_benchbench_loads_no_torch_until_a_name_needs_it():
    code = "import sys, benchbench; assert 'torch' not in sys.modules; benchbench.Family; assert 'torch' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_entry_points_register_with_their_package_version_and_file_digest(plugins):
    registry, root = plugins
    assert registry.get("good").__name__ == "Good"
    origin = registry.origin("good")
    assert (origin.source, origin.package, origin.version, origin.target) == (
        "entry point",
        "pkg-one",
        "1.2.3",
        "plugin_mod:Good",
    )
    assert origin.digest == hashlib.sha256((root / "plugin_mod.py").read_bytes()).hexdigest()[:12]
    assert "pkg-one 1.2.3" in origin.describe() and registry.origin("wgan-gp").describe() == "built in"


def test_broken_and_clashing_plugins_are_refused_with_a_reason_and_the_rest_works(plugins):
    registry, _ = plugins
    reasons = {(b.name, b.origin.package): b.reason for b in registry.broken()}
    assert "No module named 'no_such_module'" in reasons[("missing", "pkg-one")]
    assert "not a subclass of benchbench.Family" in reasons[("number", "pkg-one")]
    assert "Renamed.name is 'not-what-the-entry-point-says'" in reasons[("renamed", "pkg-one")]
    assert "taken by a family built in" in reasons[("wgan-gp", "pkg-one")]
    # two packages claiming one name: both refused, each naming the other
    assert "pkg-one and pkg-two" in reasons[("twice", "pkg-one")] and ("twice", "pkg-two") in reasons
    assert registry.get("wgan-gp") is WGANGP  # the built-in keeps its name
    assert registry.names() == ["good", "wgan-gp"]
    with pytest.raises(UserError, match="'missing' \\(pkg-one\\) is broken: cannot import no_such_module:Thing"):
        registry.get("missing")


def test_a_family_named_module_colon_class_is_imported_from_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "my_family_mod.py").write_text(PLUGIN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", os.getcwd())])
    registry = Registry("family", validate=_not_a_family, importable=True)
    assert registry.get("my_family_mod:Good").__name__ == "Good"
    assert str(tmp_path) not in sys.path  # on the path for the import only
    origin = registry.origin("my_family_mod:Good")
    assert origin.source == "import" and origin.target == "my_family_mod:Good" and origin.package == ""
    assert origin.digest == hashlib.sha256((tmp_path / "my_family_mod.py").read_bytes()).hexdigest()[:12]
    for spec, message in [
        ("my_family_mod:Missing", "has no attribute 'Missing'"),
        ("no_such_pkg.mod:Thing", "No module named 'no_such_pkg'"),
        ("my_family_mod:NOT_A_FAMILY", "is not a subclass of benchbench.Family"),
        ("my_family_mod:", "not of the form package.module:Name"),
    ]:
        with pytest.raises(UserError, match=message):
            registry.get(spec)


@pytest.mark.slow  # end to end: starts processes (each imports torch and torch-fidelity, about 5 s)
def test_a_plugin_family_trial_records_its_origin_and_a_changed_file_is_another_configuration(tmp_path):
    """In a fresh process each time, as a user's rerun after editing the plugin is."""
    (tmp_path / "edited_mod.py").write_text(PLUGIN)
    code = (
        "from benchbench.training import Budget, Trial; import json; "
        "t = Trial('edited_mod:Good', '8gaussians', 0, Budget.parse('10steps')); "
        "print(json.dumps([t.config()['family_origin'], t.config_hash()]))"
    )

    def config() -> tuple[dict, str]:
        out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
        return tuple(json.loads(out.stdout))

    origin, first = config()
    assert origin["target"] == "edited_mod:Good" and origin["source"] == "import"
    assert config()[1] == first  # the same file: the same configuration
    (tmp_path / "edited_mod.py").write_text(PLUGIN + "\n# an edit\n")
    assert config()[1] != first


def test_builtin_trials_keep_the_hashes_of_earlier_versions():
    """Built-ins are pinned by their defaults digest; recording their origin must not change the
    config hash, or every earlier run directory and baseline would stop resuming and gating."""
    from benchbench.training import Budget, Settings, Trial

    trial = Trial("wgan-gp", "8gaussians", 0, Budget.parse("40steps"), Settings())
    assert "family_origin" not in trial.config()
    assert FAMILIES.origin("wgan-gp").builtin


def test_the_example_package_is_installed_and_found_through_its_entry_point():
    origin = FAMILIES.origin("lsgan")
    assert (origin.source, origin.package, origin.target) == (
        "entry point",
        "benchbench-lsgan",
        "benchbench_lsgan:LSGAN",
    )
    assert origin.digest == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()[:12]


def _cli(*args: str, cwd: Path, path: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = f"{path}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return subprocess.run([sys.executable, "-m", "benchbench", *args], cwd=cwd, capture_output=True, text=True, env=env)


@pytest.mark.slow  # end to end: starts processes (each imports torch and torch-fidelity, about 5 s)
def test_list_shows_origins_and_broken_plugins_and_every_other_command_still_works(tmp_path):
    (tmp_path / "plugin_mod.py").write_text(PLUGIN)
    fake_distribution(
        tmp_path,
        "pkg-bad",
        "2.0",
        {"benchbench.families": {"missing": "no_such_module:X", "wgan-gp": "plugin_mod:Other"}},
    )
    listing = _cli("list", cwd=tmp_path, path=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "from: entry point benchbench_lsgan:LSGAN from benchbench-lsgan" in listing.stdout
    assert "family missing from pkg-bad 2.0: cannot import no_such_module:X" in listing.stdout
    assert "family wgan-gp from pkg-bad 2.0: the name 'wgan-gp' is taken by a family built in" in listing.stdout
    refused = _cli("run", "--families", "missing", "--datasets", "8gaussians", cwd=tmp_path, path=tmp_path)
    assert refused.returncode == 2 and refused.stderr.strip().splitlines() == [
        "error: family 'missing' (pkg-bad) is broken: cannot import no_such_module:X: ModuleNotFoundError: No module "
        "named 'no_such_module'"
    ]


def test_dataset_and_extractor_entry_points_are_checked(tmp_path, monkeypatch):
    from benchbench.datasets import _not_a_dataset
    from benchbench.metrics.extractors import _not_an_extractor

    (tmp_path / "data_mod.py").write_text("def points():\n    return 1\nNOT_CALLABLE = 2\n")
    fake_distribution(
        tmp_path,
        "pkg-data",
        "1.0",
        {
            "benchbench.test-datasets": {"points": "data_mod:points", "bad": "data_mod:NOT_CALLABLE"},
            "benchbench.test-extractors": {"bad": "data_mod:points"},
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    datasets = Registry("dataset", group="benchbench.test-datasets", validate=_not_a_dataset)
    extractors = Registry("feature extractor", group="benchbench.test-extractors", validate=_not_an_extractor)
    assert datasets.names() == ["points"] and "not callable" in datasets.broken()[0].reason
    assert extractors.names() == [] and "not a benchbench.ExtractorInfo" in extractors.broken()[0].reason
