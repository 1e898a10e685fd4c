"""BEGAN: Berthelot et al. 2017, "BEGAN: Boundary Equilibrium Generative Adversarial Networks".

The discriminator is an autoencoder; L(v) is its reconstruction loss (`loss`: "l1", the mean
absolute error per pixel, or "l2", the batch's Euclidean error norm over the batch size).
Discriminator loss  L(x) - k_t L(G(z_D))
Generator loss      L(G(z_G))
Equilibrium control k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1), k_0 = 0
Convergence measure M_global = L(x) + |gamma L(x) - L(G(z_G))|, logged with k_t every step.
Schedule: one discriminator and one generator update per iteration, each on its own z (Sec. 3.3).

Defaults, the paper's: gamma 0.5, lambda_k 0.001, k_0 = 0 (Sec. 3.3-4); Adam lr 1e-4, halved
when M_global stalls (Sec. 4.1: "decaying by a factor of 2 when the measure of convergence
stalls"); beta1 0.5 as in compare_gan and the public reimplementations (the paper gives no
betas); L1, ELU activations and no batch norm in the autoencoder (Sec. 3.4); a 64-d code
(compare_gan); pixels in [-1, 1] with a linear autoencoder output (carpedm20's BEGAN-tensorflow).
"Stalls" is made concrete: the mean M_global over a window of `lr_window` iterations did not
improve on the best earlier window by `lr_min_improvement` (relative).

For images, hwalsuklee's MNIST BEGAN (tensorflow-generative-model-collections, BEGAN.py), the
public BEGAN that draws every digit class after about an epoch: batch norm and ReLU in the
autoencoder, a 32-d code, L2, gamma 0.75, Adam lr 2e-4 for the autoencoder and 5 x 2e-4 for the
generator; with carpedm20's pixel range, [-1, 1] and a linear autoencoder output, rather than
hwalsuklee's [0, 1] and sigmoids: in the ablation (1,500 steps, 3 seeds) that drew 10, 10 and 10
digit classes (IS 6.6) against 7, 9 and 9 (IS 4.7). With the paper's settings on MNIST the
generator collapsed in benchbench 0.1: while k_t = 0 (at the start, and whenever
L(G(z)) > gamma L(x)) the autoencoder learns from real digits only and the generator settles on
the image it reconstructs best; the autoencoder's batch norm and gamma 0.75 are what keep it
off that image (docs/began.md has the ablation). `architecture = "paper"` swaps the shared
InfoGAN-style generator and autoencoder for the paper's own (nets/began.py).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn

from benchbench.diagnostics import Against, Panel, SeriesNote, Trace
from benchbench.families.base import (
    GENERATOR_OUTPUT,
    Family,
    Logs,
    RealBatches,
    beta1_with,
    frozen,
    log_uniform,
    one_of,
    uniform,
    update,
)
from benchbench.nets import NetSpec
from benchbench.nets import began as paper_nets


def reconstruction_loss(autoencoder: nn.Module, v: torch.Tensor, norm: str) -> torch.Tensor:
    """L(v): the mean absolute error per pixel ("l1": the paper, compare_gan, carpedm20), or the
    Euclidean norm of the batch's error over the batch size ("l2": hwalsuklee's BEGAN.py)."""
    error = autoencoder(v) - v
    if norm == "l1":
        return error.abs().mean()
    if norm == "l2":
        return error.pow(2).sum().sqrt() / v.shape[0]
    raise ValueError(f"unknown reconstruction loss {norm!r}")


class BEGAN(Family):
    name = "began"
    label = "BEGAN"
    # k_t stuck at 0 means the discriminator ignores the generated images; M_global is the
    # paper's convergence measure (Section 3.4.1), which should fall as FID does.
    diagnostics = (
        SeriesNote("BEGAN's equilibrium (k_t, mean between evaluation points):", "k_t"),
        Trace(
            "BEGAN k_t and autoencoder losses along training",
            (
                Panel("k_t (mean since the last evaluation)", (("k_t", ""),), legend=True),
                Panel(
                    "autoencoder loss (solid: real, dashed: generated)",
                    (("loss_real", " L(x)"), ("g_loss", " L(G(z))")),
                ),
            ),
        ),
        Against(
            "BEGAN M_global against FID",
            "m_global",
            "fid",
            "M_global (mean since the last evaluation)",
            "FID (validation)",
        ),
    )
    defaults: dict[str, Any] = {
        "lr": 1e-4,
        "betas": (0.5, 0.999),
        "gamma": 0.5,
        "lambda_k": 0.001,
        "k_0": 0.0,
        "code_dim": 64,
        "loss": "l1",
        "ae_norm": "none",
        "ae_act": "elu",
        "g_lr_scale": 1.0,
        "pixels": "centred",
        "architecture": "shared",
        "lr_window": 2000,
        "lr_min_improvement": 0.01,
        "lr_floor": 1e-6,
        "z_prior": "uniform",
    }
    defaults_for = {
        "image": {
            "lr": 2e-4,
            "g_lr_scale": 5.0,
            "gamma": 0.75,
            "code_dim": 32,
            "loss": "l2",
            "ae_norm": "batch",
            "ae_act": "relu",
            "pixels": "centred",
        },
        # no published toy BEGAN: a wider code than the data lets the autoencoder copy
        # any point, so it tells real from generated nothing
        "points": {"code_dim": 1},
    }
    sources = {
        "image": "hwalsuklee/tensorflow-generative-model-collections BEGAN.py (MNIST); pixels in [-1, 1] "
        "with a linear autoencoder output as carpedm20/BEGAN-tensorflow (docs/began.md)",
        "points": "ours (no published toy BEGAN); the paper's settings otherwise",
    }
    # compare_gan's wide ranges (params.py): its discriminator batch norm is our autoencoder's
    search_space = {
        "lr": log_uniform(-5, -2),
        "betas": beta1_with(0.999),
        "lambda_k": log_uniform(-4, -2),
        "gamma": uniform(0.0, 1.0),
        "ae_norm": one_of("batch", "none"),
    }
    choices = Family.choices | {
        "loss": ("l1", "l2"),
        "ae_norm": ("none", "batch"),
        "ae_act": ("elu", "lrelu", "relu"),
        "architecture": ("shared", "paper"),
    }

    def __init__(self, nets: NetSpec, config: dict[str, Any], device: torch.device) -> None:
        super().__init__(nets, config, device)
        c = self.config
        ae_output = "sigmoid" if c["pixels"] == "unit" else "linear"
        if c["architecture"] == "paper":
            self.autoencoder = paper_nets.autoencoder(
                nets.shape, nets.width, c["code_dim"], c["ae_act"], c["ae_norm"], ae_output
            ).to(device)
        else:
            self.autoencoder = nets.autoencoder(c["code_dim"], c["ae_act"], c["ae_norm"], ae_output).to(device)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=c["lr"] * c["g_lr_scale"], betas=c["betas"])
        self.opt_d = torch.optim.Adam(self.autoencoder.parameters(), lr=c["lr"], betas=c["betas"])
        self.k = torch.tensor(c["k_0"], dtype=torch.float64, device=device)
        self.window_sum = torch.zeros((), dtype=torch.float64, device=device)
        self.window_count, self.best_window = 0, float("inf")

    def make_generator(self, nets: NetSpec) -> nn.Module:
        """The shared generator, or with `architecture = "paper"` BEGAN's own decoder-shaped one."""
        output = GENERATOR_OUTPUT[self.config["pixels"]]
        if self.config["architecture"] == "paper":
            return paper_nets.generator(nets.shape, nets.latent_dim, nets.width, output)
        return nets.generator(output=output)

    def modules(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "autoencoder": self.autoencoder}

    def optimisers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "autoencoder": self.opt_d}

    def train_step(self, real: RealBatches) -> Logs:
        c = self.config
        x = real()
        with torch.no_grad():
            fake_d = self.generator(self.latent(x.shape[0]))
        loss_real = reconstruction_loss(self.autoencoder, x, c["loss"])
        loss_fake_d = reconstruction_loss(self.autoencoder, fake_d, c["loss"])
        d_loss = loss_real - self.k.to(loss_fake_d.dtype) * loss_fake_d
        update(self.opt_d, d_loss)

        with frozen(self.autoencoder):
            g_loss = reconstruction_loss(self.autoencoder, self.generator(self.latent(x.shape[0])), c["loss"])
        update(self.opt_g, g_loss)

        # k_t and M_global stay on the device, in float64 (as Python floats were): reading them
        # every step would cost a host sync per step on a GPU
        loss_real_64, g_loss_64 = loss_real.detach().double(), g_loss.detach().double()
        balance = c["gamma"] * loss_real_64 - g_loss_64
        m_global = loss_real_64 + balance.abs()
        self.k = (self.k + c["lambda_k"] * balance).clamp(0.0, 1.0)
        self._decay_lr_if_stalled(m_global)
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "loss_real": loss_real.detach(),
            "m_global": m_global,
            "k_t": self.k,
            "lr": self.opt_g.param_groups[0]["lr"],
        }

    def _decay_lr_if_stalled(self, m_global: torch.Tensor) -> None:
        c = self.config
        self.window_sum = self.window_sum + m_global
        self.window_count += 1
        if self.window_count < c["lr_window"]:
            return
        mean = float(self.window_sum) / self.window_count  # one read per window
        self.window_sum, self.window_count = torch.zeros((), dtype=torch.float64, device=self.device), 0
        if mean < self.best_window * (1 - c["lr_min_improvement"]):
            self.best_window = mean
            return
        for optimiser in (self.opt_g, self.opt_d):
            for group in optimiser.param_groups:
                group["lr"] = max(group["lr"] / 2, c["lr_floor"])

    def extra_state(self) -> dict[str, Any]:
        return {
            "k": float(self.k),
            "window_sum": float(self.window_sum),
            "window_count": self.window_count,
            "best_window": self.best_window,
        }

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.k = torch.tensor(float(state["k"]), dtype=torch.float64, device=self.device)
        self.window_sum = torch.tensor(float(state["window_sum"]), dtype=torch.float64, device=self.device)
        self.window_count = int(state["window_count"])
        self.best_window = float(state["best_window"])
