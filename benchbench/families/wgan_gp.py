"""WGAN-GP: Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Algorithm 1.

Critic loss   D(G(z)) - D(x) + lambda * (||grad D(x_hat)||_2 - 1)^2,  x_hat = e x + (1 - e) G(z), e ~ U[0, 1]
Generator loss  -D(G(z))
Schedule: n_critic = 5 critic updates, each on a fresh real batch, then one generator update.

Defaults as the authors train it (github.com/igul222/improved_wgan_training): n_critic 5, Adam
lr 1e-4 with betas (0.5, 0.9), as in all their scripts (Algorithm 1 prints beta1 = 0; the code
that made the paper's figures uses 0.5), lambda 10. Per kind of data:
- points, gan_toy.py: lambda 0.1 ("smaller lambda makes things faster for toy tasks"), 2-d
  Gaussian noise (its 512-unit ReLU MLPs and batch 256 are the suite's `width = 1.0` and
  `batch_size = 256`);
- images: lambda 10 (gan_mnist.py, gan_cifar.py, compare_gan), pixels in [-1, 1] with a tanh
  output as in the authors' CIFAR-10 and 64 x 64 scripts (gan_cifar.py, gan_64x64.py; their
  gan_mnist.py and compare_gan use [0, 1] and a sigmoid, which trained markedly slower here: 6-8
  classes drawn and IS 1.9-2.0 after 520 steps against 9-10 and 3.0-3.3, 2 seeds each,
  docs/began.md), and compare_gan's U[-1, 1] noise, the input of the generator it shares
  across families (gan_mnist.py draws N(0, 1) for its own generator).
No batch norm in the critic (Section 4: it changes the problem the penalty is defined on); the
authors suggest layer norm as a drop-in (`critic_norm = "layer"`).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn

from benchbench.families.base import (
    Logs,
    RealBatches,
    TwoPlayerFamily,
    beta1_with,
    frozen,
    integers,
    log_uniform,
    update,
)
from benchbench.families.wgan import wasserstein_estimate


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[(||grad D(x_hat)||_2 - 1)^2] at random interpolates of real and fake (also ProGAN's)."""
    mix = torch.rand([real.shape[0]] + [1] * (real.dim() - 1), device=real.device)
    interpolates = (mix * real + (1 - mix) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(interpolates).sum(), interpolates, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


class WGANGP(TwoPlayerFamily):
    name = "wgan-gp"
    label = "WGAN-GP"
    defaults: dict[str, Any] = {
        "lr": 1e-4,
        "betas": (0.5, 0.9),
        "n_critic": 5,
        "gp_lambda": 10.0,
        "critic_norm": "none",
        "z_prior": "uniform",
        "pixels": "centred",
    }
    defaults_for = {"points": {"gp_lambda": 0.1, "z_prior": "normal"}}
    sources = {
        "points": "gan_toy.py, Gulrajani et al.'s code",
        "image": "gan_cifar.py and gan_mnist.py, Gulrajani et al.'s code; compare_gan WGAN_GP, Lucic et al. 2018",
    }
    choices = TwoPlayerFamily.choices | {"critic_norm": ("none", "layer")}
    opponent, opponent_norm = "critic", "critic_norm"
    search_space = {
        "lr": log_uniform(-5, -2),
        "betas": beta1_with(0.9),
        "n_critic": integers(1, 5),
        "gp_lambda": log_uniform(-1, 2),
    }

    def gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return gradient_penalty(self.critic, real, fake)

    def train_step(self, real: RealBatches) -> Logs:
        c = self.config
        for x, fake in self.discriminator_batches(real, c["n_critic"]):
            wasserstein = wasserstein_estimate(self.critic, x, fake)
            penalty = self.gradient_penalty(x, fake)
            d_loss = -wasserstein + c["gp_lambda"] * penalty
            update(self.opt_d, d_loss)

        with frozen(self.critic):
            g_loss = -self.critic(self.generator(self.latent(x.shape[0]))).mean()
        update(self.opt_g, g_loss)
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "gradient_penalty": penalty.detach(),
            "wasserstein_estimate": wasserstein.detach(),
        }

    def analytic_flops(self, forward_per_sample: dict[str, float], batch_size: int) -> float:
        return step_flops(forward_per_sample, batch_size, self.config["n_critic"])


def step_flops(forward_per_sample: dict[str, float], batch_size: int, n_critic: int) -> float:
    """FLOPs of one WGAN-GP step (also ProGAN's, with n_critic = 1). Per critic update: G forward,
    D forward and backward on real and fake (3 x 2 passes), and the penalty: D forward on the
    interpolates, the input gradient (2) and its backward through that graph (2 x 3), i.e. 9 D
    passes. Per generator update: forward and backward through D and G (3 each). A backward pass
    counts as 2 forward passes."""
    g, d = forward_per_sample["generator"], forward_per_sample["critic"]
    return batch_size * (n_critic * (g + 6 * d + 9 * d) + 3 * (g + d))
