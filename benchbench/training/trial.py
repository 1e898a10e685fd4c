"""A trial: one family trained on one dataset from one seed under one budget."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from benchbench.families import FAMILIES
from benchbench.step_settings import DEFAULTS as STEP_DEFAULTS
from benchbench.training.budget import Budget


@dataclass
class Settings:
    """Trainer settings shared by every family in a suite, so that only the method differs.

    width: channel multiplier of all nets (1.0 = Lucic et al.'s sizes; the CPU default is narrower).
    g_norm: the shared generator's normalisation ("none": BEGAN's and gan_mnist.py's choice).
    eval_points: log-spaced evaluations over the budget, each with `eval_samples` generated
    samples against the validation split; the final and best-on-validation generators are then
    scored with `final_samples` against the test split, also with each of `final_extractors`.
    """

    batch_size: int = 64
    width: float = 1.0
    latent_dim: int | None = None
    arch: str | None = None
    g_norm: str = "none"
    eval_points: int = 8
    eval_samples: int = 2000
    final_samples: int = 10000
    extractor: str | None = None
    final_extractors: list[str] | None = None  # None: inception-v3-offline on CUDA when installed
    # Time to threshold: a value of the primary metric, or "Nx" for N times the real-vs-real value
    # (eval_samples training images against the validation split, the trajectory's own setting).
    fid_threshold: float | str | None = None
    checkpoint_seconds: float = 60.0
    # ProGAN's multi-scale sliced Wasserstein distance on this many final images (0: off; it costs
    # ~10 s per 1,000 images on 2 CPU cores). Images only.
    swd_samples: int = 0
    # Cheaper steps, each a change of numerics (training/speed.py); the defaults keep float32.
    optimizer_impl: str = "default"  # default | foreach | fused (Adam)
    channels_last: bool = False
    tf32: bool = False
    autocast: str = "none"  # none | bf16


# Settings added after benchbench 0.1 are left out of a trial's config (and so of its hash and
# directory name) while they hold these defaults, as is an empty variant: trials that do not use
# them keep their 0.1 hashes, and their run directories still resume.
LATER_DEFAULTS: dict[str, Any] = {"swd_samples": 0, **STEP_DEFAULTS}


@dataclass
class Trial:
    family: str
    dataset: str
    seed: int
    budget: Budget
    settings: Settings = field(default_factory=Settings)
    family_config: dict[str, Any] = field(default_factory=dict)
    dataset_options: dict[str, Any] = field(default_factory=dict)
    setting: int = 0  # which hyperparameter setting of a budget-curve study (0: the suite's own)
    variant: str = ""  # a swept variant's label, e.g. "gamma=0.3" ("": the family as configured)

    def config(self) -> dict[str, Any]:
        settings = {k: v for k, v in asdict(self.settings).items() if LATER_DEFAULTS.get(k, object()) != v}
        origin = FAMILIES.origin(self.family)
        return (
            {
                "family": self.family,
                "setting": self.setting,
                "dataset": self.dataset,
                "seed": self.seed,
                "budget": {"kind": self.budget.kind, "value": self.budget.value, "text": str(self.budget)},
                "settings": settings,
                "family_config": self.family_config,
                # the family's published defaults as this version states them: a trial made under
                # other defaults is another configuration (never resumed, merged or gated as this one)
                "family_defaults": FAMILIES.get(self.family).defaults_digest(),
                "dataset_options": self.dataset_options,
            }
            | ({"variant": self.variant} if self.variant else {})
            | (
                # a plugin's package, version and file digest: a changed plugin is another configuration
                # (built-ins are pinned by family_defaults and keep the hashes of earlier versions)
                {} if origin.builtin else {"family_origin": origin.record()}
            )
        )

    def config_hash(self) -> str:
        """Hash of everything but the seed: the seeds of one configuration share it."""
        config = {k: v for k, v in self.config().items() if k != "seed"}
        return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:12]

    @property
    def key(self) -> str:
        dataset = self.dataset.replace("/", "_").replace(":", "-").strip("_")[-40:]
        family = self.family.replace(":", "-").replace("/", "_")[-40:]
        return f"{family}__{dataset}__s{self.seed}__{self.budget}__{self.config_hash()[:6]}"
