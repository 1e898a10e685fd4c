"""Commands for what is registered and for those who extend it: list (families, datasets,
extractors, architectures, suites, and plugins refused) and check-family (the contract a family
must keep, checked on the trainer's own path)."""

from __future__ import annotations

import sys
from typing import Any

import click

from benchbench.cli.common import parse_assignments, user_errors


@click.command(name="list")
def list_command() -> None:
    """Families (with their defaults), datasets, feature extractors, architectures and suites."""
    from benchbench.datasets import DATASETS
    from benchbench.families import FAMILIES
    from benchbench.metrics import EXTRACTORS
    from benchbench.nets import ARCHITECTURES
    from benchbench.suite import builtin_names

    click.echo("families (published defaults; per kind of data where they differ, with their source):")
    for name in FAMILIES:
        family, origin = FAMILIES.get(name), FAMILIES.origin(name)
        defaults = ", ".join(f"{k}={v}" for k, v in family.defaults.items())
        click.echo(f"  {name:12s} {defaults}")
        if not origin.builtin:
            click.echo(f"  {'':12s}   from: {origin.describe()}")
        for kind in sorted(set(family.defaults_for) | set(family.sources)):
            changes = ", ".join(f"{k}={v}" for k, v in family.defaults_for.get(kind, {}).items()) or "as above"
            source = family.sources.get(kind, "")
            click.echo(f"  {'':12s}   {kind}: {changes}" + (f"  [{source}]" if source else ""))
    click.echo("datasets:\n  " + ", ".join(n for n in DATASETS if DATASETS.origin(n).builtin))
    for name in DATASETS:
        if not DATASETS.origin(name).builtin:
            click.echo(f"  {name:20s} from: {DATASETS.origin(name).describe()}")
    click.echo("feature extractors:")
    for name in EXTRACTORS:
        origin = EXTRACTORS.origin(name)
        click.echo(
            f"  {name:20s} {EXTRACTORS.get(name).description}" + ("" if origin.builtin else f" [{origin.describe()}]")
        )
    broken = [(kind, b) for kind, registry in _plugin_registries() for b in registry.broken()]
    if broken:
        click.echo("broken plugins (refused; everything else works):")
        for kind, plugin in broken:
            package = f"{plugin.origin.package} {plugin.origin.version}".strip()
            click.echo(f"  {kind} {plugin.name} from {package or plugin.origin.target}: {plugin.reason}")
    click.echo("architectures:\n  " + ", ".join(ARCHITECTURES.names()))
    click.echo("suites:\n  " + ", ".join(builtin_names()))


def _plugin_registries() -> list[tuple[str, Any]]:
    from benchbench.datasets import DATASETS
    from benchbench.families import FAMILIES
    from benchbench.metrics import EXTRACTORS

    return [("family", FAMILIES), ("dataset", DATASETS), ("extractor", EXTRACTORS)]


@click.command(name="check-family")
@click.argument("name")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="A setting over its defaults (TOML value).")
@user_errors
def check_family_command(name: str, settings: tuple[str, ...]) -> None:
    """Check that family NAME (a registered name, or package.module:Class) keeps the contract the
    trainer relies on, on tiny 2-D and image problems (seconds on a CPU). One line per property;
    exit 0 when all hold, 1 when any fails."""
    from benchbench.contract import check_family

    results = check_family(name, parse_assignments(settings))
    for result in results:
        click.echo(result.line())
    failed = [r for r in results if not r.passed]
    click.echo(f"{name}: {len(results) - len(failed)} of {len(results)} properties hold")
    if failed:
        sys.exit(1)
