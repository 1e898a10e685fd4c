import io
import math

import pytest
import torch
import torch.nn as nn

from benchbench.errors import UserError
from benchbench.families import FAMILIES
from benchbench.families.began import BEGAN
from benchbench.families.wgan_gp import WGANGP
from benchbench.nets import NetSpec


def host(logs):
    """A step's logs as host numbers (families leave them on the device)."""
    return {key: float(value) for key, value in logs.items()}


POINTS = NetSpec("mlp", (2,), latent_dim=2, width=0.05)
IMAGES = NetSpec("infogan28", (1, 28, 28), latent_dim=8, width=0.0625)


def counting_source(shape, batch=8):
    calls = []

    def real():
        calls.append(1)
        return torch.rand(batch, *shape) * 2 - 1

    return real, calls


def test_registry_and_defaults_cite_the_papers():
    builtins = {name for name in FAMILIES.names() if FAMILIES.origin(name).builtin}
    assert builtins == {"wgan-gp", "began", "wgan", "dcgan", "progan", "cyclegan"}
    assert WGANGP.defaults["gp_lambda"] == 10.0 and WGANGP.defaults["n_critic"] == 5
    assert WGANGP.defaults["lr"] == 1e-4 and WGANGP.defaults["betas"] == (0.5, 0.9)  # the authors' scripts
    assert WGANGP.defaults_for["points"]["gp_lambda"] == 0.1  # gan_toy.py
    assert BEGAN.defaults["gamma"] == 0.5 and BEGAN.defaults["lambda_k"] == 0.001 and BEGAN.defaults["k_0"] == 0.0
    import benchbench.families.began as began_module
    import benchbench.families.wgan_gp as wgan_gp_module

    assert "Gulrajani et al. 2017" in wgan_gp_module.__doc__
    assert "Berthelot et al. 2017" in began_module.__doc__


def test_config_refuses_unknown_keys_and_wrong_types():
    with pytest.raises(UserError, match="no setting"):
        WGANGP(POINTS, {"lamda": 10}, torch.device("cpu"))
    with pytest.raises(UserError, match="must be int"):
        WGANGP(POINTS, {"n_critic": 2.5}, torch.device("cpu"))
    family = WGANGP(POINTS, {"gp_lambda": 1, "betas": [0.5, 0.9]}, torch.device("cpu"))
    assert family.config["gp_lambda"] == 1.0 and family.config["betas"] == (0.5, 0.9)
    with pytest.raises(UserError, match=r"critic_norm must be one of none, layer, got 'batch'"):
        WGANGP(POINTS, {"critic_norm": "batch"}, torch.device("cpu"))


@pytest.mark.parametrize("n_critic", [1, 5])
def test_wgan_gp_draws_one_real_batch_per_critic_step(n_critic):
    torch.manual_seed(0)
    family = WGANGP(IMAGES, {"n_critic": n_critic}, torch.device("cpu"))
    real, calls = counting_source((1, 28, 28))
    before = [p.clone() for p in family.generator.parameters()]
    logs = host(family.train_step(real))
    assert len(calls) == n_critic
    assert set(logs) == {"d_loss", "g_loss", "gradient_penalty", "wasserstein_estimate"}
    assert any(not torch.equal(a, b) for a, b in zip(before, family.generator.parameters()))
    assert all(p.requires_grad for p in family.critic.parameters())  # unfrozen after the G step


def test_gradient_penalty_on_a_linear_critic():
    """D(x) = w.x has gradient w everywhere, so the penalty is (|w| - 1)^2 exactly."""
    family = WGANGP(POINTS, {}, torch.device("cpu"))
    family.critic = nn.Sequential(nn.Linear(2, 1, bias=False), nn.Flatten(0))
    with torch.no_grad():
        family.critic[0].weight.copy_(torch.tensor([[3.0, 4.0]]))
    penalty = family.gradient_penalty(torch.randn(16, 2), torch.randn(16, 2))
    assert penalty.item() == pytest.approx((5.0 - 1.0) ** 2)


def test_gradient_penalty_is_taken_between_real_and_fake():
    """D(x) = |x|^2 / 2 has gradient x, so the penalty is E[(|x_hat| - 1)^2] at the interpolates
    x_hat = u real + (1 - u) fake, u ~ U[0, 1] per sample."""
    from benchbench.families.wgan_gp import gradient_penalty

    def critic(x):
        return 0.5 * x.pow(2).sum(dim=1)

    real, fake = torch.randn(16, 2) + 3.0, torch.randn(16, 2) - 1.0
    torch.manual_seed(7)
    penalty = gradient_penalty(critic, real, fake)
    torch.manual_seed(7)
    u = torch.rand(16, 1)
    expected = ((u * real + (1 - u) * fake).norm(dim=1) - 1).pow(2).mean()
    assert penalty.item() == pytest.approx(expected.item(), rel=1e-5)


def test_wgan_gp_critic_loss_is_fake_minus_real_plus_penalty():
    torch.manual_seed(0)
    family = WGANGP(POINTS, {"n_critic": 1, "gp_lambda": 10.0}, torch.device("cpu"))
    real, _ = counting_source((2,))
    logs = host(family.train_step(real))
    expected = -logs["wasserstein_estimate"] + 10.0 * logs["gradient_penalty"]
    assert logs["d_loss"] == pytest.approx(expected, rel=1e-5)


def test_began_equilibrium_control_and_m_global():
    torch.manual_seed(0)
    family = BEGAN(IMAGES, {"gamma": 0.5, "lambda_k": 0.001}, torch.device("cpu"))
    real, calls = counting_source((1, 28, 28))
    logs = host(family.train_step(real))
    assert len(calls) == 1
    balance = 0.5 * logs["loss_real"] - logs["g_loss"]
    assert logs["k_t"] == pytest.approx(min(max(0.0 + 0.001 * balance, 0.0), 1.0))
    assert logs["m_global"] == pytest.approx(logs["loss_real"] + abs(balance))
    # k_0 = 0: the first discriminator loss is L(x) alone
    assert logs["d_loss"] == pytest.approx(logs["loss_real"])


def test_began_k_is_clipped_to_the_unit_interval():
    torch.manual_seed(0)
    family = BEGAN(IMAGES, {"k_0": 1.0, "lambda_k": 1000.0, "gamma": 1.0}, torch.device("cpu"))
    real, _ = counting_source((1, 28, 28))
    for _ in range(3):
        logs = host(family.train_step(real))
        assert 0.0 <= logs["k_t"] <= 1.0
    assert logs["k_t"] in (0.0, 1.0)


def test_began_k_never_leaves_the_unit_interval_from_either_side():
    torch.manual_seed(0)
    real, _ = counting_source((1, 28, 28))
    # gamma 0: the balance gamma L(x) - L(G(z)) is negative, so k_t falls and must stop at 0
    falling = BEGAN(IMAGES, {"k_0": 0.5, "lambda_k": 1000.0, "gamma": 0.0}, torch.device("cpu"))
    assert host(falling.train_step(real))["k_t"] == 0.0
    # gamma 100: the balance is positive, so k_t rises and must stop at 1
    rising = BEGAN(IMAGES, {"k_0": 0.5, "lambda_k": 1000.0, "gamma": 100.0}, torch.device("cpu"))
    assert host(rising.train_step(real))["k_t"] == 1.0


def test_reconstruction_losses_by_hand():
    from benchbench.families.began import reconstruction_loss

    v = torch.full((4, 1, 3, 3), 0.25)
    off_by_half = nn.Identity()

    def autoencoder(x):
        return off_by_half(x) + 0.5

    assert reconstruction_loss(autoencoder, v, "l1").item() == pytest.approx(0.5)
    # the batch's error norm over the batch size: sqrt(36 x 0.25) / 4
    assert reconstruction_loss(autoencoder, v, "l2").item() == pytest.approx(3.0 / 4)
    with pytest.raises(ValueError):
        reconstruction_loss(autoencoder, v, "l3")


def test_began_discriminator_loss_uses_the_configured_reconstruction_on_generated_images():
    """d_loss = L(x) - k_t L(G(z)), with L the configured loss on both terms."""
    import copy

    from benchbench.families.began import reconstruction_loss

    torch.manual_seed(0)
    family = BEGAN(IMAGES, {"k_0": 0.5, "loss": "l2"}, torch.device("cpu"))
    z = family.latent(8)
    family.latent = lambda n, *rest: z
    autoencoder = copy.deepcopy(family.autoencoder)
    with torch.no_grad():
        expected = reconstruction_loss(autoencoder, family.generator(z), "l2").item()
    real, _ = counting_source((1, 28, 28))
    logs = host(family.train_step(real))
    assert (logs["loss_real"] - logs["d_loss"]) / 0.5 == pytest.approx(expected, rel=1e-4)


def test_every_family_logs_its_losses_and_steps_on_whole_batches():
    """The trajectory's d_loss and g_loss columns, and latents drawn for the real batch's size."""
    for name in ("wgan-gp", "wgan", "dcgan", "began"):
        torch.manual_seed(0)
        family = FAMILIES.get(name)(IMAGES, {}, torch.device("cpu"))
        sizes, latent = [], family.latent
        family.latent = lambda n, *rest, latent=latent, sizes=sizes: sizes.append(n) or latent(n, *rest)
        real, _ = counting_source((1, 28, 28), batch=6)
        logs = family.train_step(real)
        assert {"d_loss", "g_loss"} <= set(logs), name
        if name == "began":  # the equilibrium's trace and the decaying learning rate
            assert {"k_t", "m_global", "loss_real", "lr"} <= set(logs)
        assert sizes and set(sizes) == {6}, (name, sizes)


def test_began_halves_the_learning_rate_when_m_global_stalls():
    family = BEGAN(IMAGES, {"lr_window": 2, "lr": 1e-4, "g_lr_scale": 1.0}, torch.device("cpu"))
    for value in (1.0, 1.0, 0.5, 0.5):  # second window improves: no decay
        family._decay_lr_if_stalled(value)
    assert family.opt_g.param_groups[0]["lr"] == pytest.approx(1e-4)
    for value in (0.6, 0.6):  # third window is worse: halve both
        family._decay_lr_if_stalled(value)
    assert family.opt_g.param_groups[0]["lr"] == pytest.approx(5e-5)
    assert family.opt_d.param_groups[0]["lr"] == pytest.approx(5e-5)
    # progress means improving on the best window by more than 1%: exactly 1% is a stall
    family = BEGAN(IMAGES, {"lr_window": 2, "lr": 1e-4, "g_lr_scale": 1.0}, torch.device("cpu"))
    for value in (1.0, 1.0, 0.99, 0.99):
        family._decay_lr_if_stalled(value)
    assert family.opt_g.param_groups[0]["lr"] == pytest.approx(5e-5)


@pytest.mark.parametrize("name", ["wgan-gp", "began"])
def test_state_dict_round_trip_restores_training(name):
    torch.manual_seed(0)
    cls = FAMILIES.get(name)
    first = cls(POINTS, {}, torch.device("cpu"))
    real, _ = counting_source((2,))
    first.train_step(real)
    buffer = io.BytesIO()  # through bytes, as a checkpoint goes
    torch.save(first.state_dict(), buffer)
    buffer.seek(0)
    second = cls(POINTS, {}, torch.device("cpu"))
    second.load_state_dict(torch.load(buffer, weights_only=True))
    data = torch.rand(8, 2)
    torch.manual_seed(1)
    logs_a = host(first.train_step(lambda: data))
    torch.manual_seed(1)
    logs_b = host(second.train_step(lambda: data))
    assert logs_a == pytest.approx(logs_b)


def test_both_families_share_the_generator():
    a = WGANGP(IMAGES, {}, torch.device("cpu")).generator
    b = BEGAN(IMAGES, {}, torch.device("cpu")).generator
    assert [p.shape for p in a.parameters()] == [p.shape for p in b.parameters()]


def test_latent_prior_follows_each_family_source():
    """BEGAN draws U[-1, 1] (compare_gan, hwalsuklee); WGAN-GP on points N(0, 1) (gan_toy.py)."""
    z = BEGAN(POINTS, {}, torch.device("cpu")).latent(10_000, torch.Generator().manual_seed(0))
    assert z.min() >= -1 and z.max() <= 1 and math.isclose(z.mean().item(), 0, abs_tol=0.03)
    z = WGANGP(POINTS, {}, torch.device("cpu")).latent(10_000, torch.Generator().manual_seed(0))
    assert z.min() < -3 and math.isclose(z.std().item(), 1, abs_tol=0.03)
    for family in (BEGAN(POINTS, {}, torch.device("cpu")), WGANGP(POINTS, {}, torch.device("cpu"))):
        draws = [family.latent(5, torch.Generator().manual_seed(3)) for _ in range(2)]
        assert torch.equal(*draws)  # a seeded generator fixes the evaluation samples


def test_wgan_clips_every_critic_weight_after_each_update():
    from benchbench.families.wgan import WGAN

    torch.manual_seed(0)
    family = WGAN(IMAGES, {"n_critic": 2, "clip": 0.01}, torch.device("cpu"))
    real, calls = counting_source((1, 28, 28))
    logs = host(family.train_step(real))
    assert len(calls) == 2
    assert all(p.abs().max() <= 0.01 for p in family.critic.parameters())
    assert isinstance(family.opt_d, torch.optim.RMSprop) and family.opt_d.param_groups[0]["lr"] == 5e-5
    assert logs["d_loss"] == pytest.approx(-logs["wasserstein_estimate"])


def test_dcgan_losses_are_cross_entropy_and_non_saturating():
    from benchbench.families.dcgan import DCGAN

    torch.manual_seed(0)
    family = DCGAN(POINTS, {}, torch.device("cpu"))
    real, calls = counting_source((2,))
    logs = host(family.train_step(real))
    assert len(calls) == 1
    # at d_real = d_fake = 1/2 the discriminator loss is 2 log 2 and the generator's log 2
    assert 0 < logs["d_real"] < 1 and 0 < logs["d_fake"] < 1
    assert logs["d_loss"] == pytest.approx(2 * math.log(2), rel=0.2)
    assert logs["g_loss"] == pytest.approx(math.log(2), rel=0.2)
    assert family.config["betas"] == (0.5, 0.999) and family.config["lr"] == 2e-4


@pytest.mark.parametrize("name", ["wgan", "dcgan"])
def test_baseline_families_train_on_images(name):
    torch.manual_seed(0)
    family = FAMILIES.get(name)(IMAGES, {}, torch.device("cpu"))
    real, _ = counting_source((1, 28, 28))
    before = [p.clone() for p in family.generator.parameters()]
    logs = host(family.train_step(real))
    assert all(math.isfinite(v) for v in logs.values())
    assert any(not torch.equal(a, b) for a, b in zip(before, family.generator.parameters()))


def smallest_nets(name: str) -> NetSpec:
    """Networks each family can be built on: ProGAN grows images, CycleGAN translates between two domains."""
    return {
        "progan": NetSpec("infogan28", (1, 28, 28), latent_dim=8, width=0.02),
        "cyclegan": NetSpec("infogan28", (1, 28, 28), 64, 0.0625, source_shape=(1, 28, 28)),
    }.get(name, POINTS)


@pytest.mark.parametrize("name", ["wgan-gp", "wgan", "dcgan", "began", "progan", "cyclegan"])
def test_optimisers_carry_the_configured_rates_and_cover_every_trained_parameter(name):
    """The settings a suite gives reach the optimisers, and each trained network is updated by
    exactly one of them (ProGAN's moving average by none: it is not trained)."""
    family_class = FAMILIES.get(name)
    config = {"lr": 3e-3} | ({"betas": (0.3, 0.7)} if "betas" in family_class.defaults else {})
    family = family_class(smallest_nets(name), config, torch.device("cpu"))
    optimised = {}
    for optimiser in family.optimisers().values():
        for group in optimiser.param_groups:
            scale = family.config.get("g_lr_scale", 1.0) if optimiser is getattr(family, "opt_g", None) else 1.0
            assert group["lr"] == pytest.approx(3e-3 * scale), name
            if "betas" in config:
                assert group["betas"] == (0.3, 0.7) and group["eps"] == 1e-8, name
            for p in group["params"]:
                assert id(p) not in optimised, name
                optimised[id(p)] = p
    trained = {id(p) for module in family.modules().values() for p in module.parameters() if p.requires_grad}
    assert set(optimised) == trained, name


CHECKPOINT_NAMES = {  # the names under which a checkpoint stores networks and optimisers
    "wgan-gp": ({"generator", "critic"}, {"generator", "critic"}),
    "wgan": ({"generator", "critic"}, {"generator", "critic"}),
    "dcgan": ({"generator", "discriminator"}, {"generator", "discriminator"}),
    "began": ({"generator", "autoencoder"}, {"generator", "autoencoder"}),
    "progan": ({"generator", "generator_trained", "critic"}, {"generator", "critic"}),
    "cyclegan": ({"generator", "generator_back", "d_target", "d_source"}, {"generators", "discriminators"}),
}


@pytest.mark.parametrize("name", sorted(CHECKPOINT_NAMES))
def test_checkpoint_names_stay_readable_by_later_versions(name):
    """A checkpoint written by one version resumes under the next only if these names hold."""
    family = FAMILIES.get(name)(smallest_nets(name), {}, torch.device("cpu"))
    assert (set(family.modules()), set(family.optimisers())) == CHECKPOINT_NAMES[name]


def test_began_builds_the_networks_its_settings_name():
    cpu = torch.device("cpu")

    def layers(module, kind):
        return [m for m in module.modules() if isinstance(m, kind)]

    assert layers(BEGAN(IMAGES, {"pixels": "unit"}, cpu).autoencoder, nn.Sigmoid)  # [0, 1] pixels
    assert not layers(BEGAN(IMAGES, {}, cpu).autoencoder, nn.Sigmoid)  # a linear output otherwise
    assert layers(BEGAN(IMAGES, {"pixels": "unit", "architecture": "paper"}, cpu).autoencoder, nn.Sigmoid)
    sizes = {}
    for architecture in ("shared", "paper"):
        settings = {"architecture": architecture, "code_dim": 7, "ae_act": "relu", "ae_norm": "batch"}
        family = BEGAN(IMAGES, settings, cpu)
        sizes[architecture] = sum(p.numel() for p in family.autoencoder.parameters())
        assert any(m.out_features == 7 for m in layers(family.autoencoder, nn.Linear)), architecture
        assert layers(family.autoencoder, nn.ReLU) and not layers(family.autoencoder, nn.ELU), architecture
        assert layers(family.autoencoder, nn.BatchNorm2d), architecture
        out = family.autoencoder(torch.rand(2, 1, 28, 28))
        assert out.shape == (2, 1, 28, 28), architecture
    assert sizes["shared"] != sizes["paper"]  # BEGAN's own autoencoder is another network
    scaled = BEGAN(POINTS, {"lr": 1e-3, "g_lr_scale": 2.0}, cpu)
    assert scaled.opt_g.param_groups[0]["lr"] == pytest.approx(2e-3)
    assert scaled.opt_d.param_groups[0]["lr"] == pytest.approx(1e-3)
    assert scaled.k.dtype == scaled.window_sum.dtype == torch.float64  # the equilibrium in double precision
