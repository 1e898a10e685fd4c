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

from typing import Any

import torch
import torch.nn as nn

from benchbench.families.base import Family, Logs, RealBatches, frozen, integers, log_uniform
from benchbench.nets import NetSpec


class WGAN(Family):
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
    search_space = {"lr": log_uniform(-5, -2), "n_critic": integers(1, 5)}

    def __init__(self, nets: NetSpec, config: dict[str, Any], device: torch.device) -> None:
        super().__init__(nets, config, device)
        c = self.config
        self.critic = nets.discriminator(norm=c["critic_norm"]).to(device)
        self.opt_g = torch.optim.RMSprop(self.generator.parameters(), lr=c["lr"])
        self.opt_d = torch.optim.RMSprop(self.critic.parameters(), lr=c["lr"])

    def modules(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "critic": self.critic}

    def optimisers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "critic": self.opt_d}

    def train_step(self, real: RealBatches) -> Logs:
        c = self.config
        for _ in range(c["n_critic"]):
            x = real()
            with torch.no_grad():
                fake = self.generator(self.latent(x.shape[0]))
            wasserstein = self.critic(x).mean() - self.critic(fake).mean()
            self.opt_d.zero_grad(set_to_none=True)
            (-wasserstein).backward()
            self.opt_d.step()
            with torch.no_grad():
                for p in self.critic.parameters():
                    p.clamp_(-c["clip"], c["clip"])

        with frozen(self.critic):
            g_loss = -self.critic(self.generator(self.latent(x.shape[0]))).mean()
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        return {
            "d_loss": -wasserstein.detach(),
            "g_loss": g_loss.detach(),
            "wasserstein_estimate": wasserstein.detach(),
        }
