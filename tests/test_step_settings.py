"""The cheaper-step settings (training/speed.py): each runs, stays close to the plain step, and is
part of a trial's configuration."""

from __future__ import annotations

import dataclasses

import pytest
import torch

import benchbench.training.speed as speed
from benchbench.errors import UserError
from benchbench.families import FAMILIES
from benchbench.nets import NetSpec
from benchbench.training import Budget, Settings, Trial, run_trial

IMAGES = NetSpec("infogan28", (1, 28, 28), latent_dim=8, width=0.0625)


def trained(name: str, settings: Settings, steps: int = 3) -> torch.nn.Module:
    torch.manual_seed(0)
    family = FAMILIES.get(name)(IMAGES, {}, torch.device("cpu"))
    step = speed.apply(family, settings, torch.device("cpu"), image_data=True)
    batches = torch.rand(steps * 5, 8, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    feed = iter(speed.batch_layout(b, settings) for b in batches)
    for _ in range(steps):
        step(lambda: next(feed))
    return family.generator


@pytest.mark.parametrize("name", ["wgan-gp", "began"])
@pytest.mark.parametrize(
    "change", [{"optimizer_impl": "foreach"}, {"optimizer_impl": "fused"}, {"channels_last": True}]
)
def test_a_cheaper_step_stays_close_to_the_plain_one(name, change):
    """Rounding differs, so Adam may move a weight whose gradient is near zero the other way: by at
    most its step size (the generator's learning rate) per step. Almost all weights agree closely."""
    plain = trained(name, Settings())
    other = trained(name, dataclasses.replace(Settings(), **change))
    differences = torch.cat([(a - b).abs().flatten() for a, b in zip(plain.parameters(), other.parameters())])
    lr = 1e-3 if name == "began" else 1e-4  # the generators' Adam step sizes on images
    assert differences.max() <= 2 * lr * 3 and differences.mean() < 1e-4, change


def test_bf16_autocast_trains():
    generator = trained("began", Settings(autocast="bf16"))
    assert all(torch.isfinite(p).all() for p in generator.parameters())


def test_step_settings_are_in_the_configuration_and_the_result(tmp_path):
    base = Trial(
        "wgan-gp",
        "8gaussians",
        0,
        Budget.parse("2steps"),
        Settings(width=0.125, eval_points=1, eval_samples=100, final_samples=100),
    )
    fused = dataclasses.replace(base, settings=dataclasses.replace(base.settings, optimizer_impl="fused"))
    assert "optimizer_impl" not in base.config()["settings"]  # at its default: out of the hash
    assert fused.config_hash() != base.config_hash()
    summary = run_trial(fused, tmp_path, torch.device("cpu"))
    assert summary["step_settings"]["optimizer_impl"] == "fused"


def test_unknown_step_settings_are_refused():
    from benchbench import suite

    with pytest.raises(UserError, match="optimizer_impl must be one of"):
        suite.from_dict({"settings": {"optimizer_impl": "turbo"}}, "test")


def test_emulated_bf16_is_said_before_the_run(monkeypatch):
    bf16, cpu = dataclasses.replace(Settings(), autocast="bf16"), torch.device("cpu")
    monkeypatch.setattr(speed, "native_bf16", lambda: False)
    assert speed.notes(bf16, cpu) == [
        "bf16 autocast on this CPU is emulated (no AVX512-BF16 or AMX): its steps are slower than float32's"
    ]
    assert speed.notes(Settings(), cpu) == [] and speed.notes(bf16, torch.device("cuda")) == []
    monkeypatch.setattr(speed, "native_bf16", lambda: True)
    assert speed.notes(bf16, cpu) == []


def test_step_changes_name_what_differs_from_the_defaults():
    from benchbench.step_settings import changes

    assert changes(speed.step_settings(Settings())) == ""
    other = dataclasses.replace(Settings(), autocast="bf16", optimizer_impl="fused", channels_last=True)
    assert changes(speed.step_settings(other)) == "autocast=bf16 channels_last=true optimizer_impl=fused"
