"""Name -> factory registries, so that a family, dataset or extractor is added by registering it.

Three ways in, one lookup: entries registered at import time (the built-ins, or a user's own
`register` call), entries of other installed packages found through an entry-point group
(`benchbench.families`, `benchbench.datasets`, `benchbench.extractors`), and, where a registry
allows it, an object named as `package.module:Name`, imported from the current directory and
PYTHONPATH on first use. Each entry keeps its origin, so every result can say where the code
it ran came from. A plugin that fails to load, or whose name is already taken, is kept aside as
broken with a one-line reason: listing shows it, using it is refused, and nothing else breaks.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata as metadata
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

from benchbench.errors import UserError, one_line

T = TypeVar("T")


@dataclass(frozen=True)
class Origin:
    """Where a registered entry comes from: `source` is "built-in", "entry point" or "import"."""

    source: str = "built-in"
    package: str = ""  # the distribution that installed it ("" for one imported from the path)
    version: str = ""
    target: str = ""  # "module:Name" of the object
    digest: str = ""  # sha256 (12 hex digits) of the file that defines it ("" for a built-in)

    @property
    def builtin(self) -> bool:
        return self.source == "built-in"

    def describe(self) -> str:
        """One phrase for `benchbench list`: "built in", "benchbench-lsgan 0.1.0 (entry point ...)"."""
        if self.builtin:
            return "built in"
        package = f"{self.package} {self.version}".strip() or "no installed package"
        return f"{self.source} {self.target} from {package}, file digest {self.digest}"

    def record(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Broken:
    """A plugin that could not be registered, and why (one line)."""

    name: str
    origin: Origin
    reason: str


def file_digest(obj: Any) -> str:
    """sha256 of the source file that defines obj, 12 hex digits ("" when there is none)."""
    try:
        path = inspect.getsourcefile(obj) or inspect.getfile(obj)
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()[:12]
    except (TypeError, OSError):
        return ""


def _distribution_of(module: str) -> tuple[str, str]:
    """(distribution name, version) that installed a top-level module, or ("", "")."""
    top = module.split(".")[0]
    for name in metadata.packages_distributions().get(top, []):
        try:
            return name, metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "", ""


def import_target(target: str) -> Any:
    """The object named "package.module:Name" (dots after the colon walk attributes), imported
    with the current directory on the path for the import only (it is not left there for every
    later import of the process); failures are one-line UserErrors."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise UserError(f"{target!r} is not of the form package.module:Name")
    added = os.getcwd() not in sys.path and "" not in sys.path
    if added:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            obj = getattr(obj, part)
    except Exception as error:  # the user's code: any failure to import is theirs to fix
        raise UserError(f"cannot import {target!r}: {one_line(error)}") from None
    finally:
        if added and os.getcwd() in sys.path:
            sys.path.remove(os.getcwd())
    return obj


class Registry(Generic[T]):
    """A named collection of factories with their origins.

    kind: what an entry is, for messages ("family"). group: the entry-point group scanned on
    first use (None: none). validate: returns why an object cannot be an entry (None if it can).
    importable: whether "module:Name" resolves by importing it.
    """

    def __init__(
        self,
        kind: str,
        group: str | None = None,
        validate: Callable[[str, Any], str | None] | None = None,
        importable: bool = False,
    ) -> None:
        self.kind, self.group, self.importable = kind, group, importable
        self._validate = validate or (lambda name, obj: None)
        self._entries: dict[str, T] = {}
        self._origins: dict[str, Origin] = {}
        self._registrars: dict[str, str] = {}
        self._broken: list[Broken] = []
        self._discovered = group is None

    def register(self, name: str, origin: Origin | None = None) -> Callable[[T], T]:
        # the module that registers: a worker process re-imports benchbench's own, never a script's
        registrar = str(sys._getframe(1).f_globals.get("__name__", ""))

        def add(entry: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = entry
            self._origins[name] = origin or Origin()
            self._registrars[name] = registrar
            return entry

        return add

    # -- discovery -------------------------------------------------------------------------

    def _discover(self) -> None:
        """Load this group's entry points once. Names taken by a built-in, or by two plugins,
        are refused (all of the clashing plugins: which one wins must not depend on order)."""
        if self._discovered:
            return
        self._discovered = True
        found: dict[str, list[metadata.EntryPoint]] = {}
        for point in metadata.entry_points(group=self.group or ""):
            found.setdefault(point.name, []).append(point)
        for name, points in sorted(found.items()):
            origins = [self._entry_point_origin(point) for point in points]
            if name in self._entries:
                taken = self._origins[name].describe()
                for origin in origins:
                    self._broken.append(Broken(name, origin, f"the name {name!r} is taken by a {self.kind} {taken}"))
                continue
            if len(points) > 1:
                packages = " and ".join(o.package or o.target for o in origins)
                for origin in origins:
                    self._broken.append(Broken(name, origin, f"the name {name!r} is claimed by {packages}"))
                continue
            self._load(name, points[0], origins[0])

    @staticmethod
    def _entry_point_origin(point: metadata.EntryPoint) -> Origin:
        dist = point.dist
        return Origin("entry point", dist.name if dist else "", dist.version if dist else "", point.value)

    def _load(self, name: str, point: metadata.EntryPoint, origin: Origin) -> None:
        try:
            obj = point.load()
        except Exception as error:  # a plugin's import error must not take benchbench down
            self._broken.append(Broken(name, origin, f"cannot import {point.value}: {one_line(error)}"))
            return
        problem = self._validate(name, obj)
        if problem:
            self._broken.append(Broken(name, origin, problem))
            return
        self.register(name, Origin(origin.source, origin.package, origin.version, origin.target, file_digest(obj)))(obj)

    def _import(self, target: str) -> None:
        obj = import_target(target)
        problem = self._validate(target, obj)
        if problem:
            raise UserError(f"{self.kind} {target!r}: {problem}")
        package, version = _distribution_of(target.partition(":")[0])
        self.register(target, Origin("import", package, version, target, file_digest(obj)))(obj)

    # -- lookup ----------------------------------------------------------------------------

    def get(self, name: str) -> T:
        self._discover()
        if name not in self._entries and self.importable and ":" in name:
            self._import(name)
        try:
            return self._entries[name]
        except KeyError:
            for broken in self._broken:
                if broken.name == name:
                    raise UserError(
                        f"{self.kind} {name!r} ({broken.origin.package}) is broken: {broken.reason}"
                    ) from None
            known = ", ".join(sorted(self._entries)) or "none"
            hint = " or package.module:Class" if self.importable else ""
            raise UserError(f"unknown {self.kind} {name!r} (known: {known}{hint})") from None

    def origin(self, name: str) -> Origin:
        self.get(name)
        return self._origins[name]

    def in_new_process(self, name: str) -> bool:
        """Whether a fresh process (a worker) finds this entry by itself: a plugin's entry point,
        a "module:Name" it imports (not one of __main__), or benchbench's own. An entry a script
        or notebook registered at run time exists in its own process only."""
        origin = self.origin(name)
        if origin.source == "entry point":
            return True
        if origin.source == "import":
            return not name.startswith("__main__:")
        return self._registrars.get(name, "").split(".")[0] == "benchbench"

    def broken(self) -> list[Broken]:
        self._discover()
        return list(self._broken)

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._entries)

    def in_order(self) -> list[T]:
        """The entries in the order they were registered (a catalogue's reading order)."""
        self._discover()
        return list(self._entries.values())

    def __contains__(self, name: object) -> bool:
        self._discover()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
