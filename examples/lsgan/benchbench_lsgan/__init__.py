"""Least-squares GAN: Mao et al. 2017, "Least Squares Generative Adversarial Networks", Eq. 9
(the 0-1 coding, a = 0, b = c = 1), written with benchbench's public names only.

Discriminator loss  1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]
Generator loss      1/2 E[(D(G(z)) - 1)^2]
Schedule: one discriminator update, then one generator update.
Defaults: Adam lr 2e-4, betas (0.5, 0.999), as the DCGAN-style LSGAN of hwalsuklee's
tensorflow-generative-model-collections (LSGAN.py) trains it, but no batch norm in the
discriminator: with it (LSGAN.py's choice) the narrow CPU nets (width 0.25) drew one digit class
after 800 MNIST steps, without it eight (FID 312). Plain MLPs on 2-D points, as for the paper's
Gaussian mixture (Sec. 4.4).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn

from benchbench import Family, Logs, NetSpec, RealBatches, beta1_with, frozen, log_uniform


class LSGAN(Family):
    name = "lsgan"
    label = "LSGAN"  # how reports name it
    defaults: dict[str, Any] = {"lr": 2e-4, "betas": (0.5, 0.999), "d_norm": "none"}
    sources = {"image": "Mao et al. 2017, Eq. 9; hwalsuklee's LSGAN.py", "points": "Mao et al. 2017, Sec. 4.4"}
    choices = Family.choices | {"d_norm": ("none", "batch", "layer")}
    search_space = {"lr": log_uniform(-5, -2), "betas": beta1_with(0.999)}

    def __init__(self, nets: NetSpec, config: dict[str, Any], device: torch.device) -> None:
        super().__init__(nets, config, device)  # checks config, builds self.generator
        c = self.config
        self.discriminator = nets.discriminator(norm=c["d_norm"]).to(device)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=c["lr"], betas=c["betas"])
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=c["lr"], betas=c["betas"])

    def modules(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "discriminator": self.discriminator}

    def optimisers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "discriminator": self.opt_d}

    def train_step(self, real: RealBatches) -> Logs:
        x = real()
        with torch.no_grad():
            fake = self.generator(self.latent(len(x)))
        d_loss = 0.5 * ((self.discriminator(x) - 1) ** 2).mean() + 0.5 * (self.discriminator(fake) ** 2).mean()
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()

        with frozen(self.discriminator):  # G's step computes no gradients for D
            g_loss = 0.5 * ((self.discriminator(self.generator(self.latent(len(x)))) - 1) ** 2).mean()
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}
