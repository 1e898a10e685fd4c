"""What a GAN family is to the trainer: networks, their optimisers, and one training iteration.

A family states its losses and update schedule in `train_step`, and its published
hyperparameters in `defaults`, with the settings that differ per kind of data ("image",
"points") in `defaults_for`, each from a published working implementation named in `sources`. The trainer owns everything else:
budgets, evaluation, checkpoints, timing. It only ever calls the methods below.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn as nn

from benchbench.diagnostics import Diagnostic
from benchbench.errors import UserError
from benchbench.nets import NetSpec

RealBatches = Callable[[], torch.Tensor]
Logs = dict[str, "torch.Tensor | float"]  # a step's logged values: 0-dim device tensors or host numbers


# A family's pixel range ("pixels" setting) and the generator output that spans it. The range
# belongs to the data pipeline, so it is chosen per family and recorded with its config.
PIXEL_RANGES = {"centred": (-1.0, 1.0), "unit": (0.0, 1.0)}
GENERATOR_OUTPUT = {"centred": "tanh", "unit": "sigmoid"}


def resolve_config(family: type[Family], overrides: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    """The family's defaults for this kind of data, updated by overrides; unknown keys, wrong
    types and values outside a setting's choices are refused, never ignored."""
    name, defaults = family.name, family.defaults
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise UserError(f"family {name!r} has no setting {unknown} (known: {sorted(defaults)})")
    config = defaults | family.defaults_for.get(kind or "", {})
    for key, value in overrides.items():
        expected = type(defaults[key])
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if expected is tuple and isinstance(value, list):
            value = tuple(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise UserError(f"family {name!r}: {key} must be {expected.__name__}, got {value!r}")
        allowed = family.choices.get(key)
        if allowed is not None and value not in allowed:
            raise UserError(f"family {name!r}: {key} must be one of {', '.join(map(str, allowed))}, got {value!r}")
        config[key] = value
    return config


@contextlib.contextmanager
def frozen(module: nn.Module) -> Iterator[None]:
    """No parameter gradients for `module` inside the block (a generator step needs none for D)."""
    flags = [p.requires_grad for p in module.parameters()]
    module.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(module.parameters(), flags):
            p.requires_grad_(flag)


class Family(abc.ABC):
    """A GAN family: its networks, optimisers, losses and update schedule, and nothing else.

    The trainer owns budgets, evaluation, checkpoints and timing, and calls `train_step` once
    per generator iteration. A subclass declares `name`, its published `defaults` (cited in its
    docstring), the kinds of data it trains on, and builds its networks in `__init__` from the
    shared NetSpec (`nets.generator(...)` is built here as `self.generator`). `self.config` is
    `defaults`, then `defaults_for[kind]` for the trial's kind of data, then the suite's
    overrides. `pixels` ("centred" [-1, 1] or "unit" [0, 1]) and `z_prior` ("uniform" or
    "normal") are read from `self.config`, with those defaults when absent: `defaults_for` may
    set them for one kind of data without `defaults` naming them, but a suite can override only
    keys that `defaults` names. `benchbench check-family NAME`
    checks the contract; docs/writing-a-family.md walks through one."""

    name: ClassVar[str]
    defaults: ClassVar[dict[str, Any]]
    # Per kind of data ("image", "points"): the defaults that differ from `defaults` there, and
    # the published implementation each kind's settings come from.
    defaults_for: ClassVar[dict[str, dict[str, Any]]] = {}
    sources: ClassVar[dict[str, str]] = {}
    # The values a string setting may take (a typo must not silently run another experiment).
    choices: ClassVar[dict[str, tuple[Any, ...]]] = {"pixels": tuple(PIXEL_RANGES), "z_prior": ("uniform", "normal")}

    # The kinds of data it trains on: "points" (N x D), "image" (N x C x H x W) and "image-pair"
    # (two image domains, for translation); `check-family` runs it on a tiny problem of each.
    data_kinds: ClassVar[tuple[str, ...]] = ("points", "image")
    # How reports name it ("WGAN-GP"; "" for its registered name), and which of the series its
    # train_step logs they should show (benchbench/diagnostics.py): the report knows no family.
    label: ClassVar[str] = ""
    diagnostics: ClassVar[tuple[Diagnostic, ...]] = ()

    # Hyperparameter ranges for budget curves (Lucic et al. 2018, compare_gan v1 params.py):
    # setting name -> function of a numpy Generator drawing one value.
    search_space: ClassVar[dict[str, Callable[[np.random.Generator], Any]]] = {}

    @classmethod
    def sample_config(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {name: draw(rng) for name, draw in cls.search_space.items()}

    @classmethod
    def defaults_digest(cls) -> str:
        """A short hash of every default; part of each trial's config hash, so that results and
        checkpoints made under other defaults are never resumed or merged as if they were these."""
        text = json.dumps([cls.defaults, cls.defaults_for], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def __init__(self, nets: NetSpec, config: dict[str, Any], device: torch.device) -> None:
        self.config = resolve_config(type(self), config, nets.kind)
        self.nets, self.device = nets, device
        self.generator = self.make_generator(nets).to(device)

    @property
    def pixel_range(self) -> tuple[float, float]:
        """The range real images are mapped to for this family, and its generator's output spans."""
        return PIXEL_RANGES[self.config.get("pixels", "centred")]

    def make_generator(self, nets: NetSpec) -> nn.Module:
        """The shared generator for the data; a family with its own architecture (ProGAN) overrides."""
        return nets.generator(output=GENERATOR_OUTPUT[self.config.get("pixels", "centred")])

    @abc.abstractmethod
    def modules(self) -> dict[str, nn.Module]:
        """Every trained network by name (the generator under 'generator')."""

    @abc.abstractmethod
    def optimisers(self) -> dict[str, torch.optim.Optimizer]:
        """Every optimiser by name; a checkpoint holds their states."""

    @abc.abstractmethod
    def train_step(self, real: RealBatches) -> dict[str, torch.Tensor | float]:
        """One generator iteration with all the discriminator updates that belong to it.
        `real()` draws the next batch of real data (the trainer counts what is drawn). Logs are
        detached 0-dim tensors left on the device (or plain numbers known on the host): the
        trainer sums them there and reads them every few steps, so a step never waits for the GPU."""

    def latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """The latent prior: U[-1, 1]^d by default, as in compare_gan (Lucic et al. 2018), or N(0, 1)
        with `z_prior = "normal"` (gan_toy.py, ProGAN)."""
        shape = (n, self.nets.latent_dim)
        if self.config.get("z_prior", "uniform") == "normal":
            return torch.randn(shape, generator=generator).to(self.device)
        return (torch.rand(shape, generator=generator) * 2 - 1).to(self.device)

    def detached_fakes(self, n: int) -> torch.Tensor:
        """n generated samples with no graph behind them: what a discriminator step trains against."""
        with torch.no_grad():
            return self.generator(self.latent(n))

    def use_dataset(self, dataset: Any) -> None:
        """The trial's dataset, for families whose generator takes data rather than noise (CycleGAN)."""

    def budget_progress(self, fraction: float) -> None:
        """How much of the trial's budget is spent (0 to 1), before every step, for schedules over
        the whole run (CycleGAN's learning-rate decay over the second half)."""

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None, batch_size: int = 500, split: str = "validation"
    ) -> torch.Tensor:
        """n samples in model space (images in the family's pixel range) on the CPU, with the generator in eval mode.
        `split` matters only to families that translate that split's inputs."""
        was_training = self.generator.training
        self.generator.eval()
        out = [self.generator(self.latent(min(batch_size, n - i), generator)).cpu() for i in range(0, n, batch_size)]
        self.generator.train(was_training)
        return torch.cat(out)

    def evaluation_extras(self, dataset: Any, split: str, samples: torch.Tensor) -> dict[str, float]:
        """Metrics only this family can compute, scored beside the Evaluator's at every evaluation
        (`samples`: its raw samples for `split`). CycleGAN's translation metrics; none by default."""
        return {}

    def analytic_flops(self, forward_per_sample: dict[str, float], batch_size: int) -> float | None:
        """FLOPs of one train_step from per-sample forward FLOPs of each network, for families
        whose step PyTorch's flop counter cannot follow (see training/flops.py)."""
        return None

    def phase(self) -> str:
        """Where a multi-phase schedule stands (ProGAN: "16px fade-in"); the trainer recounts the
        FLOPs of a step whenever it changes."""
        return ""

    def extra_state(self) -> dict[str, Any]:
        """Plain numbers beyond weights that a resumed run needs (BEGAN's k_t, say)."""
        return {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        """Restore what extra_state returned."""

    def state_dict(self) -> dict[str, Any]:
        """Weights, optimiser states and extra state: what a checkpoint holds (tensors and numbers only)."""
        return {
            "modules": {name: m.state_dict() for name, m in self.modules().items()},
            "optimisers": {name: o.state_dict() for name, o in self.optimisers().items()},
            "extra": self.extra_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state_dict (a checkpoint loaded weights-only)."""
        for name, module in self.modules().items():
            module.load_state_dict(state["modules"][name])
        for name, optimiser in self.optimisers().items():
            optimiser.load_state_dict(state["optimisers"][name])
        self.load_extra_state(state.get("extra", {}))


def update(optimiser: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One optimiser step on `loss`: gradients cleared (to None), computed, applied."""
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    optimiser.step()


class TwoPlayerFamily(Family):
    """A generator against one discriminator (or critic), each with its own optimiser: the setup
    DCGAN, WGAN and WGAN-GP share, and most GANs do. A subclass names the second network
    (`opponent`, its attribute and checkpoint name) and the setting that picks its normalisation
    (`opponent_norm`), and writes `train_step`; Adam with the `lr` and `betas` settings unless it
    overrides `make_optimiser`. The discriminator is built before the optimisers, as each
    family's reference code builds them, so the seeded initial weights stay as they were."""

    opponent: ClassVar[str] = "discriminator"
    opponent_norm: ClassVar[str] = "d_norm"

    def __init__(self, nets: NetSpec, config: dict[str, Any], device: torch.device) -> None:
        super().__init__(nets, config, device)
        setattr(self, self.opponent, nets.discriminator(norm=self.config[self.opponent_norm]).to(device))
        self.opt_g = self.make_optimiser(self.generator.parameters())
        self.opt_d = self.make_optimiser(getattr(self, self.opponent).parameters())

    def discriminator_batches(self, real: RealBatches, updates: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """(real batch, detached generated batch of its size), once per discriminator update of a
        generator iteration (WGAN's n_critic)."""
        for _ in range(updates):
            x = real()
            yield x, self.detached_fakes(len(x))

    def make_optimiser(self, parameters: Iterator[nn.Parameter]) -> torch.optim.Optimizer:
        return torch.optim.Adam(parameters, lr=self.config["lr"], betas=self.config["betas"])

    def modules(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, self.opponent: getattr(self, self.opponent)}

    def optimisers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, self.opponent: self.opt_d}


def log_uniform(low: float, high: float) -> Callable[[np.random.Generator], float]:
    """10 ** U[low, high], as compare_gan draws learning rates and penalty weights."""
    return lambda rng: float(10 ** rng.uniform(low, high))


def uniform(low: float, high: float) -> Callable[[np.random.Generator], float]:
    """U[low, high), for a search space."""
    return lambda rng: float(rng.uniform(low, high))


def integers(low: int, high: int) -> Callable[[np.random.Generator], int]:
    """A whole number from low to high, both included (critic steps 1-5: integers(1, 5))."""
    return lambda rng: int(rng.integers(low, high + 1))


def one_of(*values: Any) -> Callable[[np.random.Generator], Any]:
    """One of the values, each equally likely."""
    return lambda rng: values[int(rng.integers(len(values)))]


def beta1_with(beta2: float) -> Callable[[np.random.Generator], tuple[float, float]]:
    """(beta1, beta2) for Adam with beta1 from U[0, 1) and beta2 fixed, as compare_gan searches it."""
    return lambda rng: (float(rng.uniform(0.0, 1.0)), beta2)
