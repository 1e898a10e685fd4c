"""CycleGAN: Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
Adversarial Networks" (networks in nets/cyclegan.py; the authors' cycle_gan_model.py).

Two generators, G: source -> target and F: target -> source, and a discriminator per domain.
Adversarial losses are least squares (Mao et al. 2017; Sec. 4): D minimises
0.5 [(D(y) - 1)^2 + D(G(x))^2], G minimises (D(G(x)) - 1)^2.
Cycle loss  lambda (|F(G(x)) - x|_1 + |G(F(y)) - y|_1), lambda = 10 (Sec. 4).
Identity loss  identity * lambda (|G(y) - y|_1 + |F(x) - x|_1), identity = 0.5 (Sec. 5.2; the
code's lambda_identity); it needs both domains to have the same channel count.
Schedule: one update of both generators, then of both discriminators, per iteration; the
discriminators see fakes from a pool of the last 50 generated images (Shrivastava et al. 2017),
each drawn from the pool with probability 0.5. Adam lr 2e-4, beta1 0.5; the learning rate is
constant for the first half of training and decays linearly to 0 over the second half (100 +
100 epochs in the paper): here halves of whatever budget the trial runs under.

Batches arrive as [source | target] on the channel axis (datasets/pairs.py). `generator` is G;
its input is a batch of source images, so `sample` translates the split's source images.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from benchbench.errors import UserError
from benchbench.families.base import Family, Logs, RealBatches, frozen, log_uniform, update
from benchbench.metrics.translation import translation_metrics
from benchbench.nets import NetSpec
from benchbench.nets.cyclegan import patch_discriminator, resnet_generator


class ImagePool:
    """Past fakes for the discriminator (Shrivastava et al. 2017), as the authors' image_pool.py."""

    def __init__(self, size: int) -> None:
        self.size, self.images = size, []  # type: ignore[var-annotated]

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif torch.rand(()) < 0.5:
                index = int(torch.randint(self.size, ()))
                out.append(self.images[index])
                self.images[index] = image
            else:
                out.append(image)
        return torch.stack(out)

    def state(self) -> torch.Tensor:
        """The pooled images as one tensor (empty while the pool is), for checkpoints."""
        return torch.stack(self.images).cpu() if self.images else torch.empty(0)

    def load_state(self, images: torch.Tensor, device: torch.device) -> None:
        self.images = list(images.to(device).unbind(0)) if images.numel() else []


def least_squares(scores: torch.Tensor, target: float) -> torch.Tensor:
    return F.mse_loss(scores, torch.full_like(scores, target))


class CycleGAN(Family):
    name = "cyclegan"
    label = "CycleGAN"
    data_kinds = ("image-pair",)
    defaults: dict[str, Any] = {
        "lr": 2e-4,
        "betas": (0.5, 0.999),
        "cycle_lambda": 10.0,
        "identity": 0.5,
        "pool_size": 50,
        "residual_blocks": 3,
        "patch_layers": 2,
    }
    search_space = {"lr": log_uniform(-5, -3), "cycle_lambda": log_uniform(0, 2)}

    def __init__(self, nets: NetSpec, config: dict[str, Any], device: torch.device) -> None:
        super().__init__(nets, config, device)  # make_generator has checked that there are two domains
        c, target_channels = self.config, nets.shape[0]
        self.source_channels = nets.source_shape[0]  # type: ignore[index]
        self.g_back = resnet_generator(target_channels, self.source_channels, nets.width, c["residual_blocks"]).to(
            device
        )
        self.d_target = patch_discriminator(target_channels, nets.width, c["patch_layers"]).to(device)
        self.d_source = patch_discriminator(self.source_channels, nets.width, c["patch_layers"]).to(device)
        adam = {"lr": c["lr"], "betas": c["betas"]}
        self.opt_g = torch.optim.Adam([*self.generator.parameters(), *self.g_back.parameters()], **adam)
        self.opt_d = torch.optim.Adam([*self.d_target.parameters(), *self.d_source.parameters()], **adam)
        self.pool_target, self.pool_source = ImagePool(c["pool_size"]), ImagePool(c["pool_size"])
        self.sources: Any = None

    def make_generator(self, nets: NetSpec) -> nn.Module:
        if nets.source_shape is None or len(nets.shape) != 3:
            raise UserError(
                "cyclegan needs two image domains (use digits-to-mnist, or pair:PATH with trainA/, "
                f"trainB/, testA/, testB/); this data has one, of shape {nets.shape}"
            )
        return resnet_generator(nets.source_shape[0], nets.shape[0], nets.width, self.config["residual_blocks"])

    def modules(self) -> dict[str, nn.Module]:
        return {
            "generator": self.generator,
            "generator_back": self.g_back,
            "d_target": self.d_target,
            "d_source": self.d_source,
        }

    def optimisers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generators": self.opt_g, "discriminators": self.opt_d}

    def extra_state(self) -> dict[str, Any]:
        """The image pools: a resumed trial must show its discriminators the same past fakes."""
        return {"pool_target": self.pool_target.state(), "pool_source": self.pool_source.state()}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        for name, pool in (("pool_target", self.pool_target), ("pool_source", self.pool_source)):
            if name in state:  # checkpoints of benchbench 0.3 and earlier did not keep the pools
                pool.load_state(state[name], self.device)

    def use_dataset(self, dataset: Any) -> None:
        self.sources = dataset  # a DomainPair: its source images are what G translates

    def budget_progress(self, fraction: float) -> None:
        """Constant learning rate for the first half of the budget, then linear decay to 0."""
        scale = 1.0 if fraction <= 0.5 else max(0.0, (1.0 - fraction) / 0.5)
        for optimiser in (self.opt_g, self.opt_d):
            for group in optimiser.param_groups:
                group["lr"] = self.config["lr"] * scale

    def latent(self, n: int, generator: torch.Generator | None = None, split: str = "validation") -> torch.Tensor:
        """G's input: n source images of `split` (the first n, or a random draw when a generator is given)."""
        if self.sources is None:
            raise UserError("cyclegan samples by translating source images: no dataset was given")
        images = self.sources.source(split)
        index = (
            torch.arange(min(n, len(images)))
            if generator is None
            else torch.randint(len(images), (n,), generator=generator)
        )
        return self.sources.to_model(images[index]).to(self.device)

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None, batch_size: int = 500, split: str = "validation"
    ) -> torch.Tensor:
        """Translations of the split's first min(n, split size) source images: each once, never repeated."""
        was_training = self.generator.training
        self.generator.eval()
        source = self.latent(n, None, split)
        out = torch.cat([self.generator(source[i : i + batch_size]).cpu() for i in range(0, len(source), batch_size)])
        self.generator.train(was_training)
        return out

    def train_step(self, real: RealBatches) -> Logs:
        c = self.config
        batch = real()
        x, y = batch[:, : self.source_channels], batch[:, self.source_channels :]
        g, f = self.generator, self.g_back
        with frozen(self.d_target), frozen(self.d_source):
            fake_y, fake_x = g(x), f(y)
            adversarial = least_squares(self.d_target(fake_y), 1.0) + least_squares(self.d_source(fake_x), 1.0)
            cycle = (f(fake_y) - x).abs().mean() + (g(fake_x) - y).abs().mean()
            identity = torch.zeros((), device=x.device)
            if c["identity"] > 0 and c["cycle_lambda"] > 0 and x.shape[1] == y.shape[1]:
                identity = (g(y) - y).abs().mean() + (f(x) - x).abs().mean()
            g_loss = adversarial + c["cycle_lambda"] * cycle + c["identity"] * c["cycle_lambda"] * identity
        update(self.opt_g, g_loss)

        pooled_y, pooled_x = self.pool_target.query(fake_y), self.pool_source.query(fake_x)
        d_loss = 0.5 * (least_squares(self.d_target(y), 1.0) + least_squares(self.d_target(pooled_y), 0.0)) + 0.5 * (
            least_squares(self.d_source(x), 1.0) + least_squares(self.d_source(pooled_x), 0.0)
        )
        update(self.opt_d, d_loss)
        return {
            "g_loss": g_loss.detach(),
            "d_loss": d_loss.detach(),
            "adversarial": adversarial.detach(),
            "cycle_l1_train": cycle.detach(),
            "identity_l1": identity.detach(),
            "lr": self.opt_g.param_groups[0]["lr"],
        }

    @torch.no_grad()
    def reconstruct(self, source: torch.Tensor) -> torch.Tensor:
        """F(G(x)): a source image's round trip, for the cycle-reconstruction metric."""
        return self.g_back(self.generator(source))

    def evaluation_extras(self, dataset: Any, split: str, samples: torch.Tensor) -> dict[str, float]:
        """Cycle-reconstruction L1 and label preservation (metrics/translation.py)."""
        return translation_metrics(self.reconstruct, dataset, split, samples, self.device)
