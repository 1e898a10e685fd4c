import copy
import math

import pytest
import torch
import torch.nn.functional as F

from benchbench.errors import UserError
from benchbench.families import FAMILIES
from benchbench.families.progan import ProGAN
from benchbench.nets import NetSpec
from benchbench.nets.progan import (
    EqualizedConv2d,
    GrowingCritic,
    GrowingGenerator,
    from_shape,
    minibatch_stddev,
    pixel_norm,
)
from benchbench.training import Budget, Settings, Trial, run_trial


def host(logs):
    """A step's logs as host numbers (families leave them on the device)."""
    return {key: float(value) for key, value in logs.items()}


CPU = torch.device("cpu")
MNIST = NetSpec("infogan28", (1, 28, 28), latent_dim=8, width=0.02)


def progan(**config) -> ProGAN:
    return FAMILIES.get("progan")(MNIST, {"stable_kimg": 0.1, "transition_kimg": 0.1, **config}, CPU)


def test_defaults_follow_the_paper():
    d = ProGAN.defaults
    assert (d["lr"], d["betas"], d["gp_lambda"], d["drift"], d["ema_decay"]) == (1e-3, (0.0, 0.99), 10.0, 0.001, 0.999)
    assert d["stable_kimg"] == d["transition_kimg"] == 800.0 and d["minibatch_group"] == 4
    import benchbench.families.progan as module

    assert "Karras et al. 2018" in module.__doc__


def test_schedule_grows_from_4_to_32_with_linear_fade_ins():
    family = progan()
    assert family.critic.max_level == 3  # 28 x 28 trains as 32 x 32
    expected = {
        0: (0, 1.0),
        99: (0, 1.0),
        100: (1, 0.0),
        150: (1, 0.5),
        200: (1, 1.0),
        299: (1, 1.0),
        300: (2, 0.0),
        500: (3, 0.0),
        550: (3, 0.5),
        600: (3, 1.0),
        10**6: (3, 1.0),
    }
    for images, (level, alpha) in expected.items():
        got = family.schedule(images)
        assert got[0] == level and got[1] == pytest.approx(alpha), images
    assert progan(progressive=False).schedule(0) == (3, 1.0)
    uneven = progan(stable_kimg=1.0, transition_kimg=2.0)  # phases counted in thousands of images
    assert uneven.schedule(999) == (0, 1.0) and uneven.schedule(1000) == (1, 0.0)
    assert uneven.schedule(2000) == (1, 0.5) and uneven.schedule(3999) == (1, 1.0) and uneven.schedule(4000) == (2, 0.0)


def test_fade_in_starts_where_the_previous_resolution_ended():
    """At alpha = 0 the new block contributes nothing: G's 8 x 8 output is its 4 x 4 output
    upsampled, and D scores an 8 x 8 image as it scores its 4 x 4 average."""
    torch.manual_seed(0)
    g, d = GrowingGenerator((1, 28, 28), 8, 0.02), GrowingCritic((1, 28, 28), 0.02)
    z, x = torch.randn(6, 8), torch.randn(6, 1, 8, 8)
    low_g, low_d = g.synthesize(z), d(F.avg_pool2d(x, 2))
    for net in (g, d):
        net.level.fill_(1)
        net.alpha.fill_(0.0)
    assert torch.allclose(g.synthesize(z), F.interpolate(low_g, scale_factor=2, mode="nearest"), atol=1e-6)
    assert torch.allclose(d(x), low_d, atol=1e-5)
    for net in (g, d):
        net.alpha.fill_(0.5)
    assert not torch.allclose(g.synthesize(z), F.interpolate(low_g, scale_factor=2, mode="nearest"), atol=1e-4)


def test_building_blocks():
    x = torch.randn(8, 5, 4, 4) * 3
    assert torch.allclose(pixel_norm(x).pow(2).mean(dim=1), torch.ones(8, 4, 4), atol=1e-4)
    y = minibatch_stddev(x, group_size=4)
    assert y.shape == (8, 6, 4, 4)
    groups = x.reshape(4, 2, 5, 4, 4)  # sample i belongs to group i % 2, as in the authors' reshape
    expected = groups.std(dim=0, unbiased=False).mean(dim=(1, 2, 3))
    assert torch.allclose(y[:, 5, 0, 0], expected.repeat(4), atol=1e-4)
    assert minibatch_stddev(torch.randn(6, 2, 4, 4), 4).shape == (6, 3, 4, 4)  # 6 is split in groups of 3
    conv = EqualizedConv2d(16, 4, 3)
    assert conv.weight.std().item() == pytest.approx(1.0, abs=0.15)  # N(0, 1) stored, scaled at run time
    assert conv.scale == pytest.approx(math.sqrt(2) / math.sqrt(16 * 9))
    padded = from_shape(-torch.ones(2, 1, 28, 28), (1, 28, 28), 32)
    assert padded.shape == (2, 1, 32, 32) and torch.all(padded == -1)


def test_train_step_draws_one_batch_and_resumes_mid_phase_exactly():
    torch.manual_seed(0)
    family = progan()
    calls = []

    def real():
        calls.append(1)
        return torch.rand(16, 1, 28, 28) * 2 - 1

    for _ in range(8):  # 128 images: into the first fade-in
        logs = host(family.train_step(real))
    assert len(calls) == 8 and family.images_seen == 128 and family.phase() == "8px fade-in"
    assert {"d_loss", "g_loss", "gradient_penalty", "wasserstein_estimate", "resolution", "alpha"} <= set(logs)
    assert family.sample(5).shape == (5, 1, 28, 28)

    resumed = progan()
    resumed.load_state_dict(copy.deepcopy(family.state_dict()))  # a copy, as a checkpoint file gives
    assert resumed.images_seen == 128 and resumed.phase() == family.phase()
    batch = torch.rand(16, 1, 28, 28) * 2 - 1
    for twin in (family, resumed):
        torch.manual_seed(1)
        twin.train_step(lambda: batch)
    for a, b in zip(family.generator.parameters(), resumed.generator.parameters()):
        assert torch.equal(a, b)


def test_progan_refuses_points():
    with pytest.raises(UserError, match="not an image"):
        FAMILIES.get("progan")(NetSpec("mlp", (2,), 2, 0.1), {}, CPU)


@pytest.mark.slow
def test_trial_grows_and_counts_flops_per_phase(tmp_path):
    settings = Settings(width=0.02, batch_size=16, eval_points=2, eval_samples=50, final_samples=100, swd_samples=64)
    config = {"stable_kimg": 0.032, "transition_kimg": 0.032}
    summary = run_trial(Trial("progan", "mnist", 0, Budget.parse("12steps"), settings, config), tmp_path, CPU)
    assert summary["status"] == "completed", summary.get("error")
    phases = summary["flops_per_step_by_phase"]
    assert list(phases)[:3] == ["4px", "8px fade-in", "8px"] and phases["8px"] > phases["4px"]
    assert summary["flops_method"] == "analytic" and math.isfinite(summary["counters"]["flops"])
    metrics = summary["final"]["metrics"]
    assert {"fid", "pyramid_swd", "pyramid_swd_32", "pyramid_swd_16"} <= set(metrics)


def test_larger_data_grows_further():
    g, d = GrowingGenerator((3, 64, 64), 8, 0.01), GrowingCritic((3, 64, 64), 0.01)
    assert g.max_level == d.max_level == 4  # 4 -> 8 -> 16 -> 32 -> 64
    for net in (g, d):
        net.level.fill_(4)
    images = g(torch.randn(4, 8))
    assert images.shape == (4, 3, 64, 64) and d(images).shape == (4,)


def test_losses_by_hand_and_the_moving_average():
    """Critic D(G(z)) - D(x) + lambda GP + drift D(x)^2, generator -D(G(z)) against the updated
    critic, then the average moved towards the trained generator by 1 - min(decay, (1+n)/(10+n)).
    Recomputed from a copy taken before the step, drawing the same random numbers in the same order."""
    from benchbench.families.wgan_gp import gradient_penalty

    torch.manual_seed(0)
    family = progan(gp_lambda=3.0, drift=0.25)
    before = copy.deepcopy(family)
    batch = torch.rand(16, 1, 28, 28) * 2 - 1
    torch.manual_seed(7)
    logs = host(family.train_step(lambda: batch))

    torch.manual_seed(7)
    x = before.prepare_real(batch)
    assert x.shape == (16, 1, 4, 4)  # the first phase trains at 4 x 4
    with torch.no_grad():
        fake = before.trained_generator.synthesize(before.latent(16))
    real_score, fake_score = before.critic(x), before.critic(fake)
    penalty = gradient_penalty(before.critic, x, fake).item()
    wasserstein = (real_score.mean() - fake_score.mean()).item()
    drift = real_score.pow(2).mean().item()
    assert logs["gradient_penalty"] == pytest.approx(penalty, rel=1e-4)
    assert logs["wasserstein_estimate"] == pytest.approx(wasserstein, rel=1e-4, abs=1e-6)
    assert logs["d_loss"] == pytest.approx(-wasserstein + 3.0 * penalty + 0.25 * drift, rel=1e-4, abs=1e-6)
    with torch.no_grad():
        g_loss = -family.critic(before.trained_generator.synthesize(before.latent(16))).mean().item()
    assert logs["g_loss"] == pytest.approx(g_loss, rel=1e-4, abs=1e-6)
    assert (logs["resolution"], logs["alpha"]) == (4.0, 1.0)

    decay = 2 / 11  # the first update's ramped decay
    for average, old, trained in zip(
        family.generator.parameters(), before.generator.parameters(), family.trained_generator.parameters()
    ):
        assert torch.allclose(average, old + (1 - decay) * (trained - old), atol=1e-6)
    late = progan(ema_decay=0.9)
    late.updates = 10**6  # long past the ramp: the configured decay
    old = copy.deepcopy(late.generator)
    late.train_step(lambda: batch)
    for average, previous, trained in zip(
        late.generator.parameters(), old.parameters(), late.trained_generator.parameters()
    ):
        assert torch.allclose(average, previous + 0.1 * (trained - previous), atol=1e-6)


def test_real_images_are_blended_during_a_fade_in():
    family = progan()
    x = torch.rand(3, 1, 28, 28) * 2 - 1
    family.images_seen = 125  # a quarter into the first fade-in: 8 x 8, alpha 0.25
    family._set_phase()
    assert family.phase() == "8px fade-in"
    sharp = from_shape(x, (1, 28, 28), 8)
    blurred = F.interpolate(F.avg_pool2d(sharp, 2), scale_factor=2, mode="nearest")
    assert torch.allclose(family.prepare_real(x), 0.75 * blurred + 0.25 * sharp, atol=1e-6)
    family.images_seen = 250  # stable at 8 x 8: the images as they are
    family._set_phase()
    assert family.phase() == "8px" and torch.equal(family.prepare_real(x), sharp)
    family.images_seen = 0
    family._set_phase()
    assert family.phase() == "4px" and torch.equal(family.prepare_real(x), from_shape(x, (1, 28, 28), 4))


def test_a_new_resolution_starts_with_fresh_adam_moments():
    torch.manual_seed(0)
    family = progan()
    batch = torch.rand(16, 1, 28, 28) * 2 - 1
    for _ in range(6):  # 96 images: still 4 x 4
        family.train_step(lambda: batch)
    assert family.opt_d.state and family.opt_g.state
    family.train_step(lambda: batch)  # 112 images: into the 8 x 8 fade-in
    assert family.phase() == "8px fade-in" and not family.opt_d.state and not family.opt_g.state
    family.train_step(lambda: batch)  # same resolution: moments kept
    assert family.opt_d.state and family.opt_g.state


def test_the_minibatch_group_setting_reaches_the_critic():
    assert progan(minibatch_group=2).critic.group_size == 2 and progan().critic.group_size == 4
