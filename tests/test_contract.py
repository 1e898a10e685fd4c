"""`check-family`: every built-in and the example plugin keep the contract, and each way of
breaking it fails on its own named line."""

from __future__ import annotations

import os

import pytest
import torch
from benchbench_lsgan import LSGAN
from click.testing import CliRunner

from benchbench.cli import main
from benchbench.contract import PROPERTIES, check_family

TITLES = [title for title, _, _ in PROPERTIES]


def failures(family) -> dict[str, str]:
    return {p.name: p.detail for p in check_family(family) if not p.passed}


# CycleGAN's four networks on image pairs take 20 s: with the end-to-end tests
CYCLEGAN = pytest.param("cyclegan", marks=pytest.mark.slow)


@pytest.mark.parametrize("name", ["wgan-gp", "began", "wgan", "dcgan", "progan", CYCLEGAN, "lsgan"])
def test_every_builtin_family_and_the_example_plugin_keep_the_contract(name):
    results = check_family(name)
    assert [r.name for r in results] == TITLES
    assert all(r.passed for r in results), [r.line() for r in results if not r.passed]


class LeavesOutItsDiscriminator(LSGAN):
    """Its checkpoint holds the generator alone: a resumed trial restarts the discriminator."""

    def modules(self):
        return {"generator": self.generator}


class StepsAnUnlistedOptimiser(LSGAN):
    def optimisers(self):
        return {"generator": self.opt_g}


class AttachedLogs(LSGAN):
    def train_step(self, real):
        logs = super().train_step(real)
        return logs | {"still_attached": self.generator(self.latent(2)).sum(), "a_vector": torch.zeros(3)}


class UnseededNoise(LSGAN):
    """Draws noise from the operating system, which no seed fixes."""

    def train_step(self, real):
        with torch.no_grad():
            next(self.generator.parameters()).add_(int.from_bytes(os.urandom(2), "little") * 1e-6)
        return super().train_step(real)


class ForgetsItsState(LSGAN):
    """Counts steps but neither saves nor restores the count, and scales its loss by it."""

    def __init__(self, nets, config, device):
        super().__init__(nets, config, device)
        self.steps = 0

    def train_step(self, real):
        self.steps += 1
        for group in self.opt_d.param_groups:
            group["lr"] = self.config["lr"] * self.steps
        return super().train_step(real)


class LinearOutput(LSGAN):
    def sample(self, n, generator=None, batch_size=500, split="validation"):
        return super().sample(n, generator, batch_size, split) * 3


class FlippedGeneratorLoss(LSGAN):
    """Pushes its samples towards the fake label: the sign of the generator's target flipped."""

    def train_step(self, real):
        x = real()
        with torch.no_grad():
            fake = self.generator(self.latent(len(x)))
        d_loss = 0.5 * ((self.discriminator(x) - 1) ** 2).mean() + 0.5 * (self.discriminator(fake) ** 2).mean()
        self.opt_d.zero_grad()
        d_loss.backward()
        self.opt_d.step()
        g_loss = 0.5 * ((self.discriminator(self.generator(self.latent(len(x)))) + 1) ** 2).mean()
        self.opt_g.zero_grad()
        g_loss.backward()
        self.opt_g.step()
        return {"g_loss": g_loss.detach()}


class OpenEndedText(LSGAN):
    defaults = LSGAN.defaults | {"loss_kind": "squares"}


class AcceptsAnything(LSGAN):
    def __init__(self, nets, config, device):
        super().__init__(nets, {k: v for k, v in config.items() if k in LSGAN.defaults}, device)


@pytest.mark.slow  # the checker's power: nine broken families through all eight properties (about 20 s)
@pytest.mark.parametrize(
    "family, broken, reason",
    [
        (LeavesOutItsDiscriminator, TITLES[2], "discriminator is trained but not in modules()"),
        (StepsAnUnlistedOptimiser, TITLES[2], "1 optimiser(s) step but are not in optimisers()"),
        (AttachedLogs, TITLES[3], "still_attached is attached to the graph"),
        (UnseededNoise, TITLES[4], "weights of two runs from one seed differ"),
        (ForgetsItsState, TITLES[5], "after resuming, weights differ"),
        (LinearOutput, TITLES[6], "outside the pixel range [-1, 1]"),
        (FlippedGeneratorLoss, TITLES[7], "needs -20%"),
        (AcceptsAnything, TITLES[1], "no_such_setting = 1) was accepted"),
        (OpenEndedText, TITLES[1], "text settings without `choices`, so any typo is accepted: loss_kind"),
    ],
)
def test_each_broken_rule_fails_on_its_own_line(family, broken, reason):
    failed = failures(family)
    assert broken in failed and reason in failed[broken], failed


def test_a_family_whose_checkpoint_leaves_out_the_discriminator_fails_from_the_command_line(tmp_path, monkeypatch):
    (tmp_path / "leaky_family.py").write_text(
        "from benchbench_lsgan import LSGAN\n\n\nclass Leaky(LSGAN):\n"
        "    def modules(self):\n        return {'generator': self.generator}\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check-family", "leaky_family:Leaky"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert f"FAIL  {TITLES[2]}: discriminator is trained but not in modules(), so checkpoints leave it out" in lines[2]
    assert lines[5].startswith(f"FAIL  {TITLES[5]}: after resuming, weights differ")
    assert lines[-1] == "leaky_family:Leaky: 6 of 8 properties hold"


def test_check_family_passes_with_exit_0_and_refuses_bad_input_with_exit_2(tmp_path, monkeypatch):
    assert CliRunner().invoke(main, ["check-family", "wgan", "--set", "n_critic=2"]).exit_code == 0
    monkeypatch.chdir(tmp_path)
    for args, message in [
        (["check-family", "no-such-family"], "unknown family 'no-such-family'"),
        (["check-family", "os:path"], "is not a subclass of benchbench.Family"),
        (["check-family", "wgan", "--set", "n_critic=two"], "n_critic must be int, got 'two'"),
        (["check-family", "wgan", "--set", "n_critic=[1,"], "expected KEY=VALUE with a TOML value"),
        (["check-family", "wgan", "--set", "critic_norm='spectral'"], "critic_norm must be one of none, batch, layer"),
    ]:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
