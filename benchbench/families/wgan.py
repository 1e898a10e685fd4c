"""WGAN with weight clipping: Arjovsky, Chintala and Bottou 2017, "Wasserstein GAN", Algorithm 1.

Critic loss     D(G(z)) - D(x), then every critic weight is clipped to [-c, c]
Generator loss  -D(G(z))
Schedule: n_critic = 5 critic updates, each on a fresh real batch, then one generator update.

Defaults (Algorithm 1): c = 0.01, RMSProp lr 5e-5 for both networks, n_critic = 5. The paper's
critic is DCGAN's, with batch norm (clipping does not forbid it, unlike the gradient penalty),
so `critic_norm` defaults to "batch". On 2-D points, as the WGAN-GP authors ran it for their
Figure 1 (gan_toy.py, MODE = 'wgan'): the same optimiser and clipping, a critic MLP without
batch norm, 2-d Gaussian noise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
import torch.nn as nn

from benchbench.families.base import Family, Logs, RealBatches, TwoPlayerFamily, frozen, integers, log_uniform, update


def wasserstein_estimate(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[D(x)] - E[D(G(z))]: the critic's estimate of the Wasserstein-1 distance (up to its
    Lipschitz constant), which it maximises and the generator's loss -E[D(G(z))] pulls down."""
    return critic(real).mean() - critic(fake).mean()


class WGAN(TwoPlayerFamily):
    name = "wgan"
    label = "WGAN"
    defaults: dict[str, Any] = {
        "lr": 5e-5,
        "n_critic": 5,
        "clip": 0.01,
        "critic_norm": "batch",
        "z_prior": "uniform",
    }
    defaults_for = {"points": {"critic_norm": "none", "z_prior": "normal"}}
    sources = {"points": "gan_toy.py, Gulrajani et al.'s code"}
    choices = Family.choices | {"critic_norm": ("none", "batch", "layer")}
    opponent, opponent_norm = "critic", "critic_norm"
    search_space = {"lr": log_uniform(-5, -2), "n_critic": integers(1, 5)}

    def make_optimiser(self, parameters: Iterator[nn.Parameter]) -> torch.optim.Optimizer:
        return torch.optim.RMSprop(parameters, lr=self.config["lr"])  # Arjovsky et al.: no momentum

    def train_step(self, real: RealBatches) -> Logs:
        c = self.config
        for x, fake in self.discriminator_batches(real, c["n_critic"]):
            wasserstein = wasserstein_estimate(self.critic, x, fake)
            update(self.opt_d, -wasserstein)
            with torch.no_grad():
                for p in self.critic.parameters():
                    p.clamp_(-c["clip"], c["clip"])

        with frozen(self.critic):
            g_loss = -self.critic(self.generator(self.latent(x.shape[0]))).mean()
        update(self.opt_g, g_loss)
        return {
            "d_loss": -wasserstein.detach(),
            "g_loss": g_loss.detach(),
            "wasserstein_estimate": wasserstein.detach(),
        }
