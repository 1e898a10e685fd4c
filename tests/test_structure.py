"""The package's shape: no import cycles, a trainer and bench that name no family."""

from __future__ import annotations

import ast
from pathlib import Path

import benchbench

PACKAGE = Path(benchbench.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """benchbench modules a file imports, at any depth of the file (lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("benchbench"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("benchbench"))
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    # a package's __init__ is not an edge of its own submodules' imports: `from benchbench.report.x
    # import y` names module x, and importing a package only runs its __init__
    return {name: {m for m in imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_the_import_graph_has_no_cycle():
    edges = graph()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(target) :] + [target]))
            if target not in state:
                visit(target, trail + [target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])


def test_the_trainer_and_bench_name_no_family():
    from benchbench.families import FAMILIES

    for path in [*PACKAGE.joinpath("training").glob("*.py"), *PACKAGE.joinpath("bench").glob("*.py")]:
        strings = {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)}
        named = strings & set(FAMILIES.names())
        assert not named, f"{path.name} names families {named}"


def test_the_report_names_no_family():
    """A family's label and diagnostics reach the report through the family (its trials record
    them), so a plugin's are shown as a built-in's are."""
    import re

    from benchbench.families import FAMILIES

    names = "|".join(re.escape(name) for name in FAMILIES.names())
    for path in PACKAGE.joinpath("report").glob("*.py"):
        found = set(re.findall(rf"\b({names})\b", path.read_text().lower()))
        assert not found, f"report/{path.name} names families {found}"


def test_functions_fit_on_a_screen_and_files_stay_short():
    """No function over 80 lines; no module over 350."""
    long_functions = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert len(text.splitlines()) <= 350, f"{path.relative_to(PACKAGE)}: {len(text.splitlines())} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80:
                long_functions.append(f"{path.relative_to(PACKAGE)}:{node.name}")
    assert not long_functions
