"""The family contract, checked: what the trainer relies on, run on tiny problems in seconds.

As scikit-learn's `check_estimator` does for estimators, `check_family` tells the author of a
family whether it keeps the rules before anyone compares it: it builds from its defaults and
refuses an unknown setting; every parameter `train_step` changes belongs to a module in
`modules()` and every optimiser that steps is in `optimisers()` (else a checkpoint silently
leaves it out); logs are detached scalars; a seed fixes the weights bitwise; a run checkpointed
halfway (through the same weights-only file format the trainer writes) and resumed equals the
uninterrupted run; samples have the data's shape and lie in the family's pixel range; and a short
run moves its samples towards the data. Each property is one line, passed or failed with why.
"""

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

from benchbench.datasets.base import Dataset
from benchbench.datasets.pairs import DomainPair
from benchbench.errors import UserError, one_line
from benchbench.families import FAMILIES, Family, resolve_config
from benchbench.metrics.toy import sliced_wasserstein
from benchbench.nets import NetSpec
from benchbench.results import load_tensors, save_tensors
from benchbench.training.trainer import seed_everything

CPU = torch.device("cpu")
BATCH = 32
STEPS = 4  # steps before and after the halfway checkpoint
LEARNING_STEPS = {"points": 400, "image": 150, "image-pair": 100}
LEARNING_LR = 1e-3  # for a family with an `lr` setting, so that a few hundred steps suffice


@dataclass(frozen=True)
class Property:
    name: str
    passed: bool
    detail: str = ""

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}" + (f": {self.detail}" if self.detail else "")


class Broken(Exception):
    """A property that does not hold; its message says why."""


# -- tiny problems ------------------------------------------------------------------------------


def _ring_points(n: int, seed: int) -> torch.Tensor:
    """gan_toy.py's 8 gaussians (a ring of radius 1.41): a generator that starts near the origin
    must spread out to it. (Not one offset blob: a discriminator with batch norm normalises
    each batch's mean away, so it cannot see an offset.)"""
    rng = torch.Generator().manual_seed(seed)
    angles = torch.randint(8, (n,), generator=rng).double() * (math.pi / 4)
    centres = torch.stack([angles.cos(), angles.sin()], dim=1).float() * 2.0
    return (centres + 0.02 * torch.randn(n, 2, generator=rng)) / 1.414


def _blob_points(n: int, seed: int) -> torch.Tensor:
    """One Gaussian away from the origin: a generator must move there (BEGAN's autoencoder on
    points learns a location where it cannot spread to a ring)."""
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed)) * 0.1 + torch.tensor([1.5, -1.0])


# The 2-D targets of the learning check: a family passes by learning either.
POINT_TARGETS = {"8 gaussians": _ring_points, "an offset Gaussian": _blob_points}


def _bright_squares(n: int, seed: int) -> torch.Tensor:
    """28 x 28 grey images: a bright 10 x 10 square near the centre on a dark background."""
    rng = torch.Generator().manual_seed(seed)
    images = torch.full((n, 1, 28, 28), 20, dtype=torch.uint8)
    offsets = torch.randint(7, 12, (n, 2), generator=rng)
    for image, (row, col) in zip(images, offsets.tolist()):
        image[:, row : row + 10, col : col + 10] = 230
    return images


def tiny_problem(kind: str, target: str = "8 gaussians") -> tuple[Dataset, NetSpec]:
    """A dataset and the networks for it, small enough that a step takes milliseconds."""
    if kind == "points":
        draw = POINT_TARGETS[target]
        splits = {s: draw(n, i) for i, (s, n) in enumerate([("train", 2000), ("validation", 500), ("test", 500)])}
        return Dataset("check-ring", "points", splits, "mlp"), NetSpec("mlp", (2,), 2, 0.0625)
    splits = {s: _bright_squares(n, i) for i, (s, n) in enumerate([("train", 512), ("validation", 128), ("test", 128)])}
    if kind == "image":
        return Dataset("check-squares", "image", splits, "infogan28"), NetSpec("infogan28", (1, 28, 28), 8, 0.0625)
    if kind == "image-pair":  # translate the negatives of the squares into the squares
        sources = {s: 255 - x.flip(0) for s, x in splits.items()}
        pair = DomainPair("check-pair", "image", splits, "infogan28", source_splits=sources)
        return pair, NetSpec("infogan28", (1, 28, 28), 64, 0.0625, source_shape=(1, 28, 28))
    raise UserError(f"unknown kind of data {kind!r} (known: points, image, image-pair)")


# -- running a family as the trainer does -------------------------------------------------------


class Session:
    """A family on a tiny problem, stepped as the trainer steps it: seeded, on the dataset's
    stream, told its budget progress before each step."""

    def __init__(
        self,
        cls: type[Family],
        kind: str,
        seed: int,
        config: dict[str, Any],
        total: int,
        init_seed: int | None = None,
        target: str = "8 gaussians",
    ) -> None:
        self.dataset, self.nets = tiny_problem(kind, target)
        seed_everything(seed if init_seed is None else init_seed)  # Python's, numpy's and torch's, as the trainer
        self.family = cls(self.nets, config, CPU)
        self.family.use_dataset(self.dataset)
        self.stream = self.dataset.train_batches(BATCH, seed)
        self.total, self.done = total, 0

    def real(self) -> torch.Tensor:
        return self.dataset.to_model(self.stream.next(), self.family.pixel_range)

    def step(self) -> dict[str, Any]:
        self.family.budget_progress(self.done / self.total)
        logs = self.family.train_step(self.real)
        self.done += 1
        return logs

    def checkpoint(self) -> dict[str, Any]:
        return {"family": self.family.state_dict(), "stream": self.stream.state_dict(), "rng": torch.get_rng_state()}

    def restore(self, payload: dict[str, Any], done: int) -> None:
        self.family.load_state_dict(payload["family"])
        self.stream.load_state_dict(payload["stream"])
        torch.set_rng_state(payload["rng"])
        self.done = done


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
            raise Broken(f"modules() has no 'generator' on {kind} data (it has {sorted(family.modules())})")
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
        raise Broken("a setting it does not have (no_such_setting = 1) was accepted")
    open_ended = sorted(k for k, v in cls.defaults.items() if isinstance(v, str) and k not in cls.choices)
    if open_ended:
        raise Broken(f"text settings without `choices`, so any typo is accepted: {', '.join(open_ended)}")
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
        raise Broken("; ".join(problems))
    return f"{len(family.modules())} modules, {len(family.optimisers())} optimisers"


def logs_are_scalars(cls: type[Family], kind: str, config: dict[str, Any]) -> str:
    logs = Session(cls, kind, 0, config, 1).step()
    if not isinstance(logs, dict):
        raise Broken(f"train_step returned {type(logs).__name__}, not a dict of logs")
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
        raise Broken("; ".join(problems))
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
        raise Broken(problem)
    return ""


def resume_equals_uninterrupted(cls: type[Family], kind: str, config: dict[str, Any]) -> str:
    total = 2 * STEPS
    straight = Session(cls, kind, 5, config, total)
    for _ in range(total):
        straight.step()
    first = Session(cls, kind, 5, config, total)
    for _ in range(STEPS):
        first.step()
    with tempfile.TemporaryDirectory() as folder:  # through the trainer's own weights-only file format
        path = Path(folder) / "checkpoint.pt"
        save_tensors(path, first.checkpoint())
        try:
            payload = load_tensors(path)
        except UserError as error:
            raise Broken(f"its checkpoint does not load weights-only ({error})") from None
    resumed = Session(cls, kind, 5, config, total, init_seed=6)  # other initial weights: all must come from the file
    resumed.restore(payload, STEPS)
    for _ in range(STEPS):
        resumed.step()
    a, b = straight.family.state_dict(), resumed.family.state_dict()
    for part, what in (("modules", "weights"), ("optimisers", "optimiser states"), ("extra", "extra state")):
        problem = _difference(a[part], b[part], what)
        if problem:
            raise Broken(f"after resuming, {problem}")
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
        raise Broken(f"sample() returned {type(samples).__name__}, not a batch tensor")
    if tuple(samples.shape[1:]) != dataset.shape or not 0 < len(samples) <= 64:
        raise Broken(
            f"sample(64) has shape {tuple(samples.shape)}; the data's is (N, {', '.join(map(str, dataset.shape))})"
        )
    if samples.device.type != "cpu" or not samples.is_floating_point():
        raise Broken(f"samples must be floats on the CPU, got {samples.dtype} on {samples.device}")
    if not torch.isfinite(samples).all():
        raise Broken("samples hold NaN or infinite values")
    if dataset.kind == "image":
        low, high = family.pixel_range
        if samples.min() < low - 1e-4 or samples.max() > high + 1e-4:
            raise Broken(
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
    raise Broken(
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


def family_class(family: str | type[Family]) -> type[Family]:
    if isinstance(family, str):
        return FAMILIES.get(family)
    if isinstance(family, type) and issubclass(family, Family):
        return family
    raise UserError(f"{family!r} is neither a family name nor a benchbench.Family subclass")


def check_family(family: str | type[Family], config: dict[str, Any] | None = None) -> list[Property]:
    """Every property of the contract, on the family's kinds of data (`data_kinds`), as
    Property(name, passed, detail). A property that raises fails with the exception's line."""
    cls, config = family_class(family), dict(config or {})
    kinds = tuple(cls.data_kinds)
    unknown = [k for k in kinds if k not in LEARNING_STEPS]
    if not kinds or unknown:
        raise UserError(f"{cls.__name__}.data_kinds must name points, image or image-pair, got {kinds!r}")
    for kind in kinds:  # settings it refuses are bad input (exit 2), not a broken family
        resolve_config(cls, config, tiny_problem(kind)[1].kind)
    results = []
    for title, check, scope in PROPERTIES:
        runs = [kinds] if scope == "kinds" else [kinds[0]] if scope == "first" else list(kinds)
        details, failure = [], None
        for kind in runs:
            try:
                detail = check(cls, kind, config)
            except Broken as problem:
                failure = f"{problem}" + ("" if len(runs) == 1 else f" (on {kind} data)")
                break
            except UserError as error:
                failure = f"refused: {error}"
                break
            except Exception as error:  # the family's own code failed: that is the finding
                failure = f"raised {one_line(error)}"
                break
            details.append(f"{kind}: {detail}" if len(runs) > 1 and detail else detail)
        results.append(Property(title, failure is None, failure or "; ".join(d for d in details if d)))
    return results
