"""Bare PyTorch training loops for WGAN-GP and BEGAN: the same networks and losses as the
families, without the harness (no logs, no counters, no host syncs). `benchbench bench` times
the harness's loop against these to report its overhead."""

from __future__ import annotations

from typing import Callable

import torch

from benchbench.families import Family


def wgan_gp_loop(family: Family, real: Callable[[], torch.Tensor]) -> Callable[[], None]:
    g, d = family.generator, family.critic
    opt_g, opt_d = family.opt_g, family.opt_d
    n_critic, lam = family.config["n_critic"], family.config["gp_lambda"]

    def step() -> None:
        for _ in range(n_critic):
            x = real()
            with torch.no_grad():
                fake = g(family.latent(x.shape[0]))
            mix = torch.rand([x.shape[0]] + [1] * (x.dim() - 1), device=x.device)
            hat = (mix * x + (1 - mix) * fake).requires_grad_(True)
            (grad,) = torch.autograd.grad(d(hat).sum(), hat, create_graph=True)
            loss = d(fake).mean() - d(x).mean() + lam * ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
            opt_d.zero_grad(set_to_none=True)
            loss.backward()
            opt_d.step()
        d.requires_grad_(False)
        loss = -d(g(family.latent(x.shape[0]))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()
        d.requires_grad_(True)

    return step


def began_loop(family: Family, real: Callable[[], torch.Tensor]) -> Callable[[], None]:
    g, ae = family.generator, family.autoencoder
    opt_g, opt_d = family.opt_g, family.opt_d
    gamma, lambda_k = family.config["gamma"], family.config["lambda_k"]
    k = torch.zeros((), device=family.device)

    def recon(v: torch.Tensor) -> torch.Tensor:
        return (ae(v) - v).abs().mean()

    def step() -> None:
        nonlocal k
        x = real()
        with torch.no_grad():
            fake = g(family.latent(x.shape[0]))
        loss_real = recon(x)
        loss = loss_real - k * recon(fake)
        opt_d.zero_grad(set_to_none=True)
        loss.backward()
        opt_d.step()
        ae.requires_grad_(False)
        g_loss = recon(g(family.latent(x.shape[0])))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        ae.requires_grad_(True)
        k = (k + lambda_k * (gamma * loss_real.detach() - g_loss.detach())).clamp(0, 1)

    return step


BARE_LOOPS: dict[str, Callable[[Family, Callable[[], torch.Tensor]], Callable[[], None]]] = {
    "wgan-gp": wgan_gp_loop,
    "began": began_loop,
}
