"""ProGAN: Karras et al. 2018, "Progressive Growing of GANs for Improved Quality, Stability, and
Variation" (networks in nets/progan.py).

Loss: WGAN-GP (Gulrajani et al. 2017) with lambda = 10, plus the drift term
eps_drift * E[D(x)^2], eps_drift = 0.001 (Sec. A.1), which keeps the critic's output near zero.
Critic  D(G(z)) - D(x) + lambda (||grad D(x_hat)||_2 - 1)^2 + eps_drift D(x)^2;  generator -D(G(z)).
Schedule: one critic update per generator update (the paper's n_critic = 1, Sec. A.1); training
starts at 4 x 4, and each doubling of resolution first fades in over `transition_kimg` real images
(alpha rising linearly from 0 to 1, in G, in D, and on the real images, which are blended with
their half-resolution upsampled copy) and then trains stably for `stable_kimg` (Sec. 2, Fig. 2).
The paper uses 800k images for each; networks.py/config.py use 600k. Adam is reset at each new
resolution (config.py `reset_opt_for_new_lod`). The generator sampled is an exponential moving
average of the trained one, decay 0.999 (Sec. A.1), ramped up over the first steps (see
train_step). z ~ N(0, I), pixel-normalised.

Defaults (Sec. A.1): Adam lr 0.001, beta1 0, beta2 0.99, eps 1e-8. `progressive = false` trains
the full-resolution networks from the first step (the paper's non-growing baseline, Fig. 4).
The phase is a function of the real images drawn, which are part of the saved state, so a run
resumes mid-phase where it stopped.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from benchbench.errors import UserError
from benchbench.families.base import Family, Logs, RealBatches, frozen, log_uniform, update
from benchbench.families.wgan_gp import gradient_penalty
from benchbench.families.wgan_gp import step_flops as wgan_gp_step_flops
from benchbench.nets import NetSpec
from benchbench.nets.progan import GrowingCritic, GrowingGenerator, from_shape


class ProGAN(Family):
    name = "progan"
    label = "ProGAN"
    data_kinds = ("image",)
    defaults: dict[str, Any] = {
        "lr": 1e-3,
        "betas": (0.0, 0.99),
        "gp_lambda": 10.0,
        "drift": 0.001,
        "progressive": True,
        "stable_kimg": 800.0,
        "transition_kimg": 800.0,
        "ema_decay": 0.999,
        "minibatch_group": 4,
        "z_prior": "normal",
    }
    search_space = {"lr": log_uniform(-4, -2), "gp_lambda": log_uniform(-1, 2)}

    def __init__(self, nets: NetSpec, config: dict[str, Any], device: torch.device) -> None:
        super().__init__(nets, config, device)
        c = self.config
        self.trained_generator = self.generator
        self.generator = copy.deepcopy(self.trained_generator).requires_grad_(False)  # the moving average
        self.critic = GrowingCritic(nets.shape, nets.width, c["minibatch_group"]).to(device)
        adam = {"lr": c["lr"], "betas": c["betas"], "eps": 1e-8}
        self.opt_g = torch.optim.Adam(self.trained_generator.parameters(), **adam)
        self.opt_d = torch.optim.Adam(self.critic.parameters(), **adam)
        self.images_seen, self.updates = 0, 0
        self._set_phase()

    def make_generator(self, nets: NetSpec) -> nn.Module:
        if len(nets.shape) != 3:
            raise UserError(f"progan grows image networks; data of shape {nets.shape} is not an image")
        return GrowingGenerator(nets.shape, nets.latent_dim, nets.width)

    def sample(
        self, n: int, generator: torch.Generator | None = None, batch_size: int = 500, split: str = "validation"
    ) -> torch.Tensor:
        """The moving average's samples clipped to the pixel range: its output layer is linear
        (the paper's), and the authors' code clips likewise when it writes images (misc.py
        `convert_to_pil_image`); clipped before the conversion to uint8, which clamps anyway."""
        return super().sample(n, generator, batch_size, split).clamp(*self.pixel_range)

    def modules(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "generator_trained": self.trained_generator, "critic": self.critic}

    def optimisers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "critic": self.opt_d}

    def schedule(self, images: int) -> tuple[int, float]:
        """(level, alpha) after `images` real images: 4 x 4 for stable_kimg, then per doubling a
        fade-in of transition_kimg and a stable phase of stable_kimg; the last level trains on."""
        c, top = self.config, self.critic.max_level
        if not c["progressive"]:
            return top, 1.0
        stable, transition = round(c["stable_kimg"] * 1000), round(c["transition_kimg"] * 1000)  # in images
        left, level = images - stable, 0
        while left >= 0 and level < top:
            level += 1
            if left < transition:
                return level, left / transition
            left -= transition + stable
        return level, 1.0

    def _set_phase(self) -> None:
        level, alpha = self.schedule(self.images_seen)
        if level != int(self.critic.level):  # a new resolution: fresh Adam moments
            self.opt_g.state.clear()
            self.opt_d.state.clear()
        for net in (self.trained_generator, self.generator, self.critic):
            net.level.fill_(level)
            net.alpha.fill_(alpha)

    def phase(self) -> str:
        level = int(self.critic.level)
        return f"{4 * 2**level}px" + (" fade-in" if float(self.critic.alpha) < 1.0 else "")

    def prepare_real(self, x: torch.Tensor) -> torch.Tensor:
        """Real images at the current resolution, blended like G's output during a fade-in."""
        level, alpha = int(self.critic.level), float(self.critic.alpha)
        x = from_shape(x, self.nets.shape, 4 * 2**level)
        if level > 0 and alpha < 1.0:
            x = torch.lerp(F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest"), x, alpha)
        return x

    def train_step(self, real: RealBatches) -> Logs:
        c = self.config
        batch = real()
        x = self.prepare_real(batch)
        g = self.trained_generator
        with torch.no_grad():
            fake = g.synthesize(self.latent(x.shape[0]))
        score_real = self.critic(x)
        wasserstein = score_real.mean() - self.critic(fake).mean()
        penalty = gradient_penalty(self.critic, x, fake)
        d_loss = -wasserstein + c["gp_lambda"] * penalty + c["drift"] * score_real.pow(2).mean()
        update(self.opt_d, d_loss)

        with frozen(self.critic):
            g_loss = -self.critic(g.synthesize(self.latent(x.shape[0]))).mean()
        update(self.opt_g, g_loss)
        self.updates += 1
        # Ramped like TF's ExponentialMovingAverage(num_updates): at 0.999 from the first step, the
        # average of a short CPU run would still be mostly its random initialisation.
        decay = min(c["ema_decay"], (1 + self.updates) / (10 + self.updates))
        with torch.no_grad():
            for average, current in zip(self.generator.parameters(), g.parameters()):
                average.lerp_(current, 1.0 - decay)

        self.images_seen += len(batch)
        logs = {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "gradient_penalty": penalty.detach(),
            "wasserstein_estimate": wasserstein.detach(),
            "resolution": float(x.shape[-1]),
            "alpha": float(self.critic.alpha),
        }
        self._set_phase()
        return logs

    def analytic_flops(self, forward_per_sample: dict[str, float], batch_size: int) -> float:
        """WGAN-GP's count with n_critic = 1, at the current resolution (the trainer recounts per phase)."""
        return wgan_gp_step_flops(forward_per_sample, batch_size, n_critic=1)

    def extra_state(self) -> dict[str, Any]:
        return {"images_seen": self.images_seen, "updates": self.updates}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.images_seen, self.updates = int(state.get("images_seen", 0)), int(state.get("updates", 0))
        self._set_phase()
