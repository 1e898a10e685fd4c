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

from benchbench import Family, Logs, RealBatches, TwoPlayerFamily, beta1_with, frozen, log_uniform, update


class LSGAN(TwoPlayerFamily):  # a generator and a discriminator, Adam with lr and betas
    name = "lsgan"
    label = "LSGAN"  # how reports name it
    defaults: dict[str, Any] = {"lr": 2e-4, "betas": (0.5, 0.999), "d_norm": "none"}
    sources = {"image": "Mao et al. 2017, Eq. 9; hwalsuklee's LSGAN.py", "points": "Mao et al. 2017, Sec. 4.4"}
    choices = Family.choices | {"d_norm": ("none", "batch", "layer")}
    search_space = {"lr": log_uniform(-5, -2), "betas": beta1_with(0.999)}

    def train_step(self, real: RealBatches) -> Logs:
        x = real()
        fake = self.detached_fakes(len(x))
        d_loss = 0.5 * ((self.discriminator(x) - 1) ** 2).mean() + 0.5 * (self.discriminator(fake) ** 2).mean()
        update(self.opt_d, d_loss)

        with frozen(self.discriminator):  # G's step computes no gradients for D
            g_loss = 0.5 * ((self.discriminator(self.generator(self.latent(len(x)))) - 1) ** 2).mean()
        update(self.opt_g, g_loss)
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}
