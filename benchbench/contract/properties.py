"""The eight properties of the family contract, each a function that returns a detail line or
raises PropertyFails saying why it does not hold."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
from torch.optim.optimizer import register_optimizer_step_post_hook

from benchbench.contract.problems import CPU, LEARNING_LR, LEARNING_STEPS, POINT_TARGETS, STEPS, Session, tiny_problem
from benchbench.errors import UserError
from benchbench.families import Family
from benchbench.metrics.toy import sliced_wasserstein


@dataclass(frozen=True)
class Property:
    name: str
    passed: bool
    detail: str = ""

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}" + (f": {self.detail}" if self.detail else "")


class PropertyFails(Exception):
    """A property that does not hold; its message says why."""


def _tensors(value: Any, path: str = "") -> Iterator[tuple[str, torch.Tensor]]:
    """Every tensor inside nested dicts and lists, by path."""
    if isinstance(value, torch.Tensor):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _tensors(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            yield from _tensors(inner, f"{path}[{index}]")


def _difference(a: Any, b: Any, what: str) -> str | None:
    """Where two nested states differ (the first few places), or None when bitwise equal."""
    left, right = dict(_tensors(a)), dict(_tensors(b))
    if set(left) != set(right):
        return f"{what} hold different entries ({sorted(set(left) ^ set(right))[:3]})"
    differ = [k for k in left if left[k].shape != right[k].shape or not torch.equal(left[k], right[k])]
    if differ:
        return f"{what} differ in {len(differ)} tensors ({', '.join(differ[:3])})"
    plain_a = {k: v for k, v in a.items() if not isinstance(v, torch.Tensor)} if isinstance(a, dict) else a
    plain_b = {k: v for k, v in b.items() if not isinstance(v, torch.Tensor)} if isinstance(b, dict) else b
    if what == "extra state" and plain_a != plain_b:
        return f"extra state differs ({plain_a!r} vs {plain_b!r})"
    return None


def _modules_anywhere(family: Family) -> dict[str, nn.Module]:
    """Every network a family holds in an attribute (or a dict or list of them), by attribute name."""
    found: dict[str, nn.Module] = {}
    for name, value in vars(family).items():
        values = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else None
        if isinstance(value, nn.Module):
            found[name] = value
        elif values is not None:
            found.update({f"{name}[{key}]": v for key, v in values if isinstance(v, nn.Module)})
    return found


# -- the properties -----------------------------------------------------------------------------


def builds(cls: type[Family], kinds: tuple[str, ...], config: dict[str, Any]) -> str:
    for kind in kinds:
        dataset, nets = tiny_problem(kind)
        family = cls(nets, config, CPU)
        if "generator" not in family.modules():
            raise PropertyFails(f"modules() has no 'generator' on {kind} data (it has {sorted(family.modules())})")
    return ", ".join(kinds)


def refuses_unknown_setting(cls: type[Family], kind: str, config: dict[str, Any]) -> str:
    """An unknown key is refused, and every text setting names its choices (a typo in a value
    must not run another experiment either)."""
    _, nets = tiny_problem(kind)
    try:
        cls(nets, config | {"no_such_setting": 1}, CPU)
    except UserError:
        pass
    else:
        raise PropertyFails("a setting it does not have (no_such_setting = 1) was accepted")
    open_ended = sorted(k for k, v in cls.defaults.items() if isinstance(v, str) and k not in cls.choices)
    if open_ended:
        raise PropertyFails(f"text settings without `choices`, so any typo is accepted: {', '.join(open_ended)}")
    return ""


def checkpoint_covers_training(cls: type[Family], kind: str, config: dict[str, Any]) -> str:
    """Parameters that change in a step belong to modules(); optimisers that step are in optimisers()."""
    session = Session(cls, kind, 0, config, STEPS)
    family = session.family
    before = {name: [p.detach().clone() for p in m.parameters()] for name, m in _modules_anywhere(family).items()}
    stepped: dict[int, torch.optim.Optimizer] = {}
    hook = register_optimizer_step_post_hook(
        lambda optimiser, args, kwargs: stepped.setdefault(id(optimiser), optimiser)
    )
    try:
        for _ in range(STEPS):
            session.step()
    finally:
        hook.remove()
    saved = {id(p) for m in family.modules().values() for p in m.parameters()}
    problems = []
    for name, module in _modules_anywhere(family).items():
        changed = [not torch.equal(a, p.detach()) for a, p in zip(before[name], module.parameters())]
        if any(c and id(p) not in saved for c, p in zip(changed, module.parameters())):
            problems.append(f"{name} is trained but not in modules(), so checkpoints leave it out")
    listed = {id(o) for o in family.optimisers().values()}
    if any(key not in listed for key in stepped):
        problems.append(f"{sum(k not in listed for k in stepped)} optimiser(s) step but are not in optimisers()")
    if not stepped:
        problems.append("no optimiser stepped in train_step")
    if problems:
        raise PropertyFails("; ".join(problems))
    return f"{len(family.modules())} modules, {len(family.optimisers())} optimisers"


def logs_are_scalars(cls: type[Family], kind: str, config: dict[str, Any]) -> str:
    logs = Session(cls, kind, 0, config, 1).step()
    if not isinstance(logs, dict):
        raise PropertyFails(f"train_step returned {type(logs).__name__}, not a dict of logs")
    problems = []
    for key, value in logs.items():
        if isinstance(value, torch.Tensor):
            if value.dim() != 0:
                problems.append(f"{key} has shape {tuple(value.shape)}, not a 0-dim tensor")
            elif value.requires_grad or value.grad_fn is not None:
                problems.append(f"{key} is attached to the graph (call .detach())")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{key} is a {type(value).__name__}, not a number or a 0-dim tensor")
    if problems:
        raise PropertyFails("; ".join(problems))
    return ", ".join(logs)


def seed_fixes_weights(cls: type[Family], kind: str, config: dict[str, Any]) -> str:
    states = []
    for _ in range(2):
        session = Session(cls, kind, 3, config, STEPS)
        for _ in range(STEPS):
            session.step()
        states.append(session.family.state_dict())
    problem = _difference(states[0]["modules"], states[1]["modules"], "weights of two runs from one seed")
    if problem:
        raise PropertyFails(problem)
    return ""


def resume_equals_uninterrupted(cls: type[Family], kind: str, config: dict[str, Any]) -> str:
    total = 2 * STEPS
    straight = Session(cls, kind, 5, config, total)
    for _ in range(total):
        straight.step()
    first = Session(cls, kind, 5, config, total)
    for _ in range(STEPS):
        first.step()
    with tempfile.TemporaryDirectory() as folder:  # through the trainer's own checkpoint store
        first.checkpoint(Path(folder))
        # other initial weights: all must come from the file
        resumed = Session(cls, kind, 5, config, total, init_seed=6)
        try:
            resumed.resume(Path(folder), STEPS)
        except UserError as error:
            raise PropertyFails(f"its checkpoint does not resume ({error})") from None
    for _ in range(STEPS):
        resumed.step()
    a, b = straight.family.state_dict(), resumed.family.state_dict()
    for part, what in (("modules", "weights"), ("optimisers", "optimiser states"), ("extra", "extra state")):
        problem = _difference(a[part], b[part], what)
        if problem:
            raise PropertyFails(f"after resuming, {problem}")
    unsaved = sorted(set(_modules_anywhere(straight.family)) - set(a["modules"]) - {"generator"})
    return f"{total} steps, checkpoint after {STEPS}" + (
        f" (not checkpointed: {', '.join(unsaved)})" if unsaved else ""
    )


def samples_fit_the_data(cls: type[Family], kind: str, config: dict[str, Any]) -> str:
    session = Session(cls, kind, 0, config, 1)
    session.step()
    family, dataset = session.family, session.dataset
    samples = family.sample(64, torch.Generator().manual_seed(1), split="validation")
    if not isinstance(samples, torch.Tensor) or samples.dim() < 2:
        raise PropertyFails(f"sample() returned {type(samples).__name__}, not a batch tensor")
    if tuple(samples.shape[1:]) != dataset.shape or not 0 < len(samples) <= 64:
        raise PropertyFails(
            f"sample(64) has shape {tuple(samples.shape)}; the data's is (N, {', '.join(map(str, dataset.shape))})"
        )
    if samples.device.type != "cpu" or not samples.is_floating_point():
        raise PropertyFails(f"samples must be floats on the CPU, got {samples.dtype} on {samples.device}")
    if not torch.isfinite(samples).all():
        raise PropertyFails("samples hold NaN or infinite values")
    if dataset.kind == "image":
        low, high = family.pixel_range
        if samples.min() < low - 1e-4 or samples.max() > high + 1e-4:
            raise PropertyFails(
                f"samples span [{samples.min():.3g}, {samples.max():.3g}], outside the pixel range [{low:g}, {high:g}]"
            )
        return f"{tuple(samples.shape[1:])} in [{low:g}, {high:g}]"
    return f"{tuple(samples.shape[1:])}"


def _distance_to_data(session: Session) -> float:
    family, dataset = session.family, session.dataset
    generated = family.sample(256, torch.Generator().manual_seed(2), split="validation")
    generated = dataset.from_model(generated, family.pixel_range).float().flatten(1)
    return sliced_wasserstein(generated, dataset.reference("validation").float().flatten(1))


def learns(cls: type[Family], kind: str, config: dict[str, Any]) -> str:
    steps = LEARNING_STEPS[kind]
    fast = config | ({"lr": LEARNING_LR} if isinstance(cls.defaults.get("lr"), float) and "lr" not in config else {})
    at = f" at lr {LEARNING_LR:g}" if fast is not config else ""
    tried = []
    for target in POINT_TARGETS if kind == "points" else ["squares"]:
        session = Session(cls, kind, 0, fast, steps, target=target)
        start = _distance_to_data(session)
        for _ in range(steps):
            logs = session.step()
        end = _distance_to_data(session)
        finite = all(math.isfinite(float(torch.as_tensor(v).detach())) for v in logs.values())
        where = f" on {target}" if kind == "points" else ""
        if finite and end < 0.8 * start:
            return f"sliced Wasserstein distance to the data {start:.4g} -> {end:.4g}{where} in {steps} steps{at}"
        tried.append(f"{start:.4g} -> {end:.4g}{where}")
    raise PropertyFails(
        f"sliced Wasserstein distance to the data went {' and '.join(tried)} in {steps} steps{at} (needs -20%)"
    )


PROPERTIES: list[tuple[str, Callable[..., str], str]] = [
    # (line, check, which kinds of data: "all" of the family's, or its "first")
    ("builds from its defaults", builds, "kinds"),
    ("refuses an unknown setting", refuses_unknown_setting, "first"),
    ("modules() and optimisers() cover what train_step trains", checkpoint_covers_training, "all"),
    ("logs are detached scalars", logs_are_scalars, "first"),
    ("the same seed gives bitwise the same weights", seed_fixes_weights, "first"),
    ("checkpointed halfway and resumed equals uninterrupted", resume_equals_uninterrupted, "all"),
    ("samples have the data's shape and lie in the pixel range", samples_fit_the_data, "all"),
    ("a short run moves samples towards the data", learns, "first"),
]
