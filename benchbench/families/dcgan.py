"""DCGAN with the non-saturating GAN loss: Goodfellow et al. 2014 (Sec. 3, the -log D(G(z))
generator objective) trained as in Radford, Metz and Chintala 2016 ("DCGAN").

Discriminator loss  -log D(x) - log(1 - D(G(z)))     (binary cross-entropy on logits)
Generator loss      -log D(G(z))                       (non-saturating)
Schedule: one discriminator update, then one generator update.

Defaults (Radford et al. 2016, Sec. 4): Adam lr 2e-4, beta1 0.5 (beta2 0.999, PyTorch's
default), batch norm in the discriminator except on its input layer (the shared nets already
leave the first layer unnormalised).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from benchbench.families.base import Family, Logs, RealBatches, TwoPlayerFamily, beta1_with, frozen, log_uniform, update


class DCGAN(TwoPlayerFamily):
    name = "dcgan"
    label = "DCGAN"
    defaults: dict[str, Any] = {
        "lr": 2e-4,
        "betas": (0.5, 0.999),
        "d_norm": "batch",
        "z_prior": "uniform",
    }
    choices = Family.choices | {"d_norm": ("none", "batch", "layer")}
    search_space = {"lr": log_uniform(-5, -2), "betas": beta1_with(0.999)}

    def train_step(self, real: RealBatches) -> Logs:
        x = real()
        fake = self.detached_fakes(x.shape[0])
        logits_real, logits_fake = self.discriminator(x), self.discriminator(fake)
        d_loss = F.binary_cross_entropy_with_logits(
            logits_real, torch.ones_like(logits_real)
        ) + F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
        update(self.opt_d, d_loss)

        with frozen(self.discriminator):
            logits = self.discriminator(self.generator(self.latent(x.shape[0])))
            g_loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        update(self.opt_g, g_loss)
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(logits_real.detach()).mean(),
            "d_fake": torch.sigmoid(logits_fake.detach()).mean(),
        }
