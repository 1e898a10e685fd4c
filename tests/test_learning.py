"""Tests that fail when a loss term has the wrong sign.

Two kinds: one update of one network, checked for the direction its loss must move a quantity
(a critic step separates real from generated, a generator step raises the critic's score on
its samples, BEGAN's discriminator with k_t > 0 reconstructs generated images worse); and a short
learning run per family on a tiny problem (2-D Gaussians, a few hundred real points or digits)
that must measurably improve a metric, seconds on a CPU.
"""

from __future__ import annotations

import copy

import pytest
import torch

from benchbench import datasets
from benchbench.families import FAMILIES
from benchbench.families.began import BEGAN, reconstruction_loss
from benchbench.families.cyclegan import least_squares
from benchbench.families.wgan_gp import WGANGP
from benchbench.metrics.toy import sliced_wasserstein
from benchbench.nets import NetSpec

CPU = torch.device("cpu")
POINTS = NetSpec("mlp", (2,), latent_dim=2, width=0.125)
IMAGES = NetSpec("infogan28", (1, 28, 28), latent_dim=8, width=0.0625)


def fixed(batch: torch.Tensor):
    return lambda: batch


def test_wgan_gp_critic_step_separates_real_from_generated():
    torch.manual_seed(0)
    family = WGANGP(POINTS, {"n_critic": 1, "lr": 1e-3}, CPU)
    real = torch.randn(64, 2) + 3.0
    z = family.latent(64, torch.Generator().manual_seed(1))
    critic_before = copy.deepcopy(family.critic)
    with torch.no_grad():
        fake = family.generator(z)
    family.train_step(fixed(real))
    with torch.no_grad():
        gap_before = critic_before(real).mean() - critic_before(fake).mean()
        gap_after = family.critic(real).mean() - family.critic(fake).mean()
    assert gap_after > gap_before


@pytest.mark.parametrize("name", ["wgan-gp", "wgan", "progan"])
def test_generator_step_raises_the_critic_score_of_its_samples(name):
    """-D(G(z)) as the generator loss: after G's update, the (then fixed) critic scores the new
    samples higher than the old ones. A flipped sign lowers it."""
    torch.manual_seed(0)
    spec = NetSpec("infogan28", (1, 32, 32), 16, 0.03125) if name == "progan" else POINTS
    family = FAMILIES.get(name)(spec, {"n_critic": 1} if name != "progan" else {}, CPU)
    trained = getattr(family, "trained_generator", family.generator)  # ProGAN samples from an average
    shape = (32, 1, 32, 32) if name == "progan" else (32, 2)
    real = torch.rand(shape) * 2 - 1
    z = family.latent(256, torch.Generator().manual_seed(1))
    before = copy.deepcopy(trained)
    family.train_step(fixed(real))
    with torch.no_grad():
        assert family.critic(trained(z)).mean() > family.critic(before(z)).mean()


def test_dcgan_steps_move_both_players_the_right_way():
    torch.manual_seed(0)
    family = FAMILIES.get("dcgan")(POINTS, {"lr": 1e-3}, CPU)
    real = torch.randn(64, 2) + 3.0
    z = family.latent(256, torch.Generator().manual_seed(1))
    d_before, g_before = copy.deepcopy(family.discriminator), copy.deepcopy(family.generator)
    with torch.no_grad():
        fake = g_before(z)
    family.train_step(fixed(real))
    with torch.no_grad():  # D: real up, generated down; G: its new samples look more real to the new D
        assert (
            family.discriminator(real).mean() - family.discriminator(fake).mean()
            > d_before(real).mean() - d_before(fake).mean()
        )
        assert family.discriminator(family.generator(z)).mean() > family.discriminator(g_before(z)).mean()


def test_cyclegan_steps_move_both_players_the_right_way():
    torch.manual_seed(0)
    pair = NetSpec("infogan28", (1, 28, 28), 64, 0.0625, source_shape=(1, 28, 28))
    family = FAMILIES.get("cyclegan")(pair, {"lr": 1e-3}, CPU)
    batch = torch.rand(8, 2, 28, 28) * 2 - 1  # [source | target] on the channel axis
    x, y = batch[:, :1], batch[:, 1:]
    g_before, d_before = copy.deepcopy(family.generator), copy.deepcopy(family.d_target)
    family.train_step(fixed(batch))
    with torch.no_grad():
        # G makes its translations look more real to the discriminator it was trained against
        assert least_squares(d_before(family.generator(x)), 1.0) < least_squares(d_before(g_before(x)), 1.0)
        # D scores real target images nearer 1 and the generated ones it saw nearer 0
        fake = family.generator(x)
        assert least_squares(family.d_target(y), 1.0) + least_squares(family.d_target(fake), 0.0) < least_squares(
            d_before(y), 1.0
        ) + least_squares(d_before(fake), 0.0)


@pytest.mark.parametrize("k", [0.5, 1.0])
def test_began_discriminator_with_k_above_zero_pushes_generated_images_away(k):
    """L(x) - k_t L(G(z)): the fake term's minus sign makes D reconstruct generated images worse
    than the same update with k_t = 0 does. With "+ k_t" they would be reconstructed better."""
    real = torch.rand(16, 1, 28, 28)
    after = {}
    for k_0 in (0.0, k):
        torch.manual_seed(0)
        family = BEGAN(IMAGES, {"k_0": k_0, "lambda_k": 0.0, "lr": 1e-3}, CPU)
        z = family.latent(16, torch.Generator().manual_seed(1))
        with torch.no_grad():
            fake = family.generator(z)
        family.train_step(fixed(real))
        with torch.no_grad():
            after[k_0] = reconstruction_loss(family.autoencoder, fake, family.config["loss"]).item()
    assert after[k] > after[0.0]


def test_began_generator_step_lowers_the_reconstruction_error_of_its_samples():
    torch.manual_seed(0)
    family = BEGAN(IMAGES, {"lambda_k": 0.0, "lr": 1e-3}, CPU)
    z = family.latent(16, torch.Generator().manual_seed(1))
    before = copy.deepcopy(family.generator)
    family.train_step(fixed(torch.rand(16, 1, 28, 28)))
    with torch.no_grad():
        loss = family.config["loss"]
        assert reconstruction_loss(family.autoencoder, family.generator(z), loss) < reconstruction_loss(
            family.autoencoder, before(z), loss
        )


def test_began_k_rises_from_zero_on_a_few_digits():
    """With the image defaults on 256 MNIST digits, the generator soon reconstructs better than
    gamma L(x), and the equilibrium term k_t leaves 0 (it stayed at 0 when BEGAN collapsed)."""
    torch.manual_seed(0)
    digits = datasets.load("mnist").reference("train", 256)
    family = BEGAN(NetSpec("infogan28", (1, 28, 28), 64, 0.125), {}, CPU)
    stream = datasets.BatchStream(digits, 64, 0)
    ks = [
        family.train_step(lambda: datasets.load("mnist").to_model(stream.next(), family.pixel_range))["k_t"]
        for _ in range(150)
    ]
    assert ks[0] < 0.005 and max(ks[-20:]) > 0.05


def blob(n: int = 4000) -> torch.Tensor:
    """One Gaussian away from the origin: a BEGAN generator must move its points onto it (on 8
    gaussians BEGAN's autoencoder settles on one curve, which the sliced distance hardly sees)."""
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(5)) * 0.1 + torch.tensor([1.5, -1.0])


# family -> (data, steps, largest final/initial sliced Wasserstein distance), all at lr 1e-3, so
# that a few hundred steps suffice; measured ratios are about half of each bound
LEARNING = {
    "wgan-gp": ("8gaussians", 200, 0.3),
    "wgan": ("8gaussians", 200, 0.5),
    "dcgan": ("8gaussians", 400, 0.7),
    "began": ("blob", 100, 0.3),
}


@pytest.mark.parametrize("name", sorted(LEARNING))
def test_each_family_learns_a_tiny_distribution(name):
    dataset, steps, bound = LEARNING[name]
    torch.manual_seed(0)
    data = blob() if dataset == "blob" else datasets.load(dataset).reference("train")
    family = FAMILIES.get(name)(POINTS, {"lr": 1e-3}, CPU)
    reference = data[:1000] if dataset == "blob" else datasets.load(dataset).reference("validation", 1000)
    stream = datasets.BatchStream(data, 128, 0)

    def distance() -> float:
        return sliced_wasserstein(family.sample(1000, torch.Generator().manual_seed(2)), reference)

    start = distance()
    for _ in range(steps):
        family.train_step(stream.next)
    assert distance() < bound * start
