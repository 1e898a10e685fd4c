import numpy as np
import pytest
import torch
from PIL import Image

from benchbench import datasets
from benchbench.datasets.pairs import folder_pair
from benchbench.errors import UserError
from benchbench.families.cyclegan import CycleGAN, ImagePool
from benchbench.nets import NetSpec
from benchbench.training import Budget, Settings, Trial, run_trial
from benchbench.training.trainer import build


def host(logs):
    """A step's logs as host numbers (families leave them on the device)."""
    return {key: float(value) for key, value in logs.items()}


CPU = torch.device("cpu")
PAIR = NetSpec("infogan28", (1, 28, 28), latent_dim=64, width=0.0625, source_shape=(1, 28, 28))


def test_defaults_follow_the_paper():
    d = CycleGAN.defaults
    assert (d["lr"], d["betas"], d["cycle_lambda"], d["identity"], d["pool_size"]) == (
        2e-4,
        (0.5, 0.999),
        10.0,
        0.5,
        50,
    )
    import benchbench.families.cyclegan as module

    assert "Zhu et al. 2017" in module.__doc__


def test_image_pool_keeps_fifty_and_mixes_old_with_new():
    torch.manual_seed(0)
    pool = ImagePool(50)
    first = torch.arange(50.0).view(50, 1)
    assert torch.equal(pool.query(first), first)  # filling up: returned as given
    new = -1.0 - torch.arange(400.0).view(400, 1)
    out = pool.query(new)
    from_pool = (out != new).float().mean().item()
    assert 0.4 < from_pool < 0.6 and len(pool.images) == 50  # about half are swapped for a pooled one
    assert set(out.flatten().tolist()) <= set(first.flatten().tolist()) | set(new.flatten().tolist())
    assert torch.equal(ImagePool(0).query(new), new)


def test_digit_domains_have_labels_and_disjoint_splits():
    pair = datasets.load("digits-to-mnist")
    assert pair.shape == (1, 28, 28) and pair.source_shape == (1, 28, 28)
    sizes = {split: len(pair.source(split)) for split in ("train", "validation", "test")}
    assert sum(sizes.values()) == 1797 and sizes["test"] >= 250
    assert all(len(pair.source_labels[s]) == sizes[s] for s in sizes)
    assert set(pair.source_labels["test"].tolist()) == set(range(10))
    batch = pair.train_batches(8, 0).next()
    assert batch.shape == (8, 2, 28, 28) and batch.dtype == torch.uint8  # [source | target]


def test_losses_schedule_and_ablation():
    torch.manual_seed(0)
    family = CycleGAN(PAIR, {}, CPU)
    batch = torch.rand(4, 2, 28, 28) * 2 - 1
    logs = host(family.train_step(lambda: batch))
    expected = logs["adversarial"] + 10 * logs["cycle_l1_train"] + 0.5 * 10 * logs["identity_l1"]
    assert logs["g_loss"] == pytest.approx(expected, rel=1e-5)
    assert all(p.requires_grad for p in family.d_target.parameters())

    without = CycleGAN(PAIR, {"cycle_lambda": 0.0}, CPU)
    logs = host(without.train_step(lambda: batch))
    assert logs["identity_l1"] == 0.0 and logs["g_loss"] == pytest.approx(logs["adversarial"], rel=1e-6)

    family.budget_progress(0.3)
    assert family.opt_g.param_groups[0]["lr"] == pytest.approx(2e-4)
    family.budget_progress(0.75)
    assert family.opt_d.param_groups[0]["lr"] == pytest.approx(1e-4)
    family.budget_progress(1.0)
    assert family.opt_g.param_groups[0]["lr"] == 0.0


def test_a_single_domain_is_refused():
    with pytest.raises(UserError, match="two image domains"):
        CycleGAN(NetSpec("infogan28", (1, 28, 28), 64, 0.0625), {}, CPU)
    with pytest.raises(UserError, match="two image domains"):
        build(Trial("cyclegan", "mnist", 0, Budget.parse("1steps")), CPU)


def _write_pngs(folder, n, value, size=20):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(value)
    for i in range(n):
        array = np.clip(rng.normal(value, 30, (size, size)), 0, 255).astype(np.uint8)
        Image.fromarray(array).save(folder / f"{i}.png")


def test_folder_pair_trial_translates_test_sources(tmp_path):
    root = tmp_path / "pair"
    for name, n, value in (("trainA", 30, 60), ("trainB", 30, 190), ("testA", 12, 60), ("testB", 12, 190)):
        _write_pngs(root / name, n, value)
    pair = datasets.load(f"pair:{root}", resolution=28, channels=1)
    assert len(pair.source("test")) == 12 and len(pair.source("validation")) == 3 and len(pair.reference("test")) == 12
    settings = Settings(
        width=0.0625, batch_size=8, eval_points=2, eval_samples=20, final_samples=50, extractor="mnist-classifier"
    )
    trial = Trial(
        "cyclegan", f"pair:{root}", 0, Budget.parse("3steps"), settings, {}, {"resolution": 28, "channels": 1}
    )
    summary = run_trial(trial, tmp_path / "trial", CPU)
    assert summary["status"] == "completed", summary.get("error")
    final = summary["final"]
    assert final["n_fake"] == 12  # each test source image translated once, never repeated
    assert "cycle_l1" in final["metrics"] and "label_accuracy" not in final["metrics"]  # no labels here
    assert summary["flops_method"] == "counted" and summary["flops_per_step"] > 0

    (root / "testB").rename(root / "elsewhere")
    with pytest.raises(UserError, match="lacks testB"):
        folder_pair(str(root), resolution=28, channels=1)


def test_losses_by_hand():
    """G and F minimise LS adversarial + lambda cycle + identity x lambda x identity L1; both
    discriminators 0.5 [(D(real) - 1)^2 + D(fake)^2] on the fakes G and F made before their update
    (the pool returns them as they are while it fills). Recomputed from a copy taken before the step."""
    import copy

    from benchbench.families.cyclegan import least_squares

    torch.manual_seed(0)
    family = CycleGAN(PAIR, {"cycle_lambda": 3.0, "identity": 0.7}, CPU)
    before = copy.deepcopy(family)
    batch = torch.rand(4, 2, 28, 28) * 2 - 1
    logs = host(family.train_step(lambda: batch))
    x, y = batch[:, :1], batch[:, 1:]
    g, f, d_y, d_x = before.generator, before.g_back, before.d_target, before.d_source
    with torch.no_grad():
        fake_y, fake_x = g(x), f(y)
        adversarial = least_squares(d_y(fake_y), 1.0) + least_squares(d_x(fake_x), 1.0)
        cycle = (f(fake_y) - x).abs().mean() + (g(fake_x) - y).abs().mean()
        identity = (g(y) - y).abs().mean() + (f(x) - x).abs().mean()
        d_loss = 0.5 * (least_squares(d_y(y), 1.0) + least_squares(d_y(fake_y), 0.0)) + 0.5 * (
            least_squares(d_x(x), 1.0) + least_squares(d_x(fake_x), 0.0)
        )
    assert logs["adversarial"] == pytest.approx(adversarial.item(), rel=1e-5)
    assert logs["cycle_l1_train"] == pytest.approx(cycle.item(), rel=1e-5)
    assert logs["identity_l1"] == pytest.approx(identity.item(), rel=1e-5)
    assert logs["g_loss"] == pytest.approx((adversarial + 3.0 * cycle + 0.7 * 3.0 * identity).item(), rel=1e-5)
    assert logs["d_loss"] == pytest.approx(d_loss.item(), rel=1e-5)
    assert logs["lr"] == pytest.approx(2e-4)
    # both generators and both discriminators were updated
    for new, old in ((family.g_back, f), (family.d_source, d_x), (family.generator, g), (family.d_target, d_y)):
        assert not all(torch.equal(a, b) for a, b in zip(new.parameters(), old.parameters()))


def test_identity_loss_only_when_asked_for_and_the_channels_match():
    batch = torch.rand(4, 2, 28, 28) * 2 - 1
    logs = host(CycleGAN(PAIR, {"identity": 0.0}, CPU).train_step(lambda: batch))
    assert logs["identity_l1"] == 0.0
    logs = host(CycleGAN(PAIR, {"identity": 0.1, "cycle_lambda": 0.5}, CPU).train_step(lambda: batch))
    assert logs["identity_l1"] > 0.0  # any positive weights
    colour = NetSpec("infogan28", (1, 28, 28), latent_dim=64, width=0.0625, source_shape=(3, 28, 28))
    logs = host(CycleGAN(colour, {}, CPU).train_step(lambda: torch.rand(4, 4, 28, 28) * 2 - 1))
    assert logs["identity_l1"] == 0.0 and logs["cycle_l1_train"] > 0


def test_learning_rate_holds_for_half_the_budget_then_falls_linearly_to_zero():
    family = CycleGAN(PAIR, {"lr": 1e-3}, CPU)
    for fraction, lr in ((0.0, 1e-3), (0.5, 1e-3), (0.6, 8e-4), (0.9, 2e-4), (1.0, 0.0), (1.3, 0.0)):
        family.budget_progress(fraction)
        assert [group["lr"] for o in (family.opt_g, family.opt_d) for group in o.param_groups] == pytest.approx(
            [lr, lr]
        ), fraction


def test_image_pool_swaps_a_random_old_image_for_the_new_one():
    torch.manual_seed(0)
    pool = ImagePool(4)
    pool.query(torch.arange(4.0).view(4, 1))
    out = pool.query(torch.full((200, 1), -1.0))
    returned_old = out[out != -1.0]
    # each old image returned left the pool (replaced by a new one) and came back at most once
    assert 0 < len(returned_old) <= 4 and len(set(returned_old.tolist())) == len(returned_old)
    remaining = torch.stack(pool.images).flatten().tolist()
    assert len(remaining) == 4
    assert sorted(set(remaining) - {-1.0}) == sorted({0.0, 1.0, 2.0, 3.0} - set(returned_old.tolist()))


def test_translation_metrics_by_hand():
    """cycle_l1 is the mean |F(G(x)) - x| over the first len(translated) source images of the split
    (model units); label accuracy reads the translated images with the target's classifier against
    the source labels, and the untranslated sources with the same classifier."""
    from benchbench.datasets.mnist import load_arrays
    from benchbench.metrics.mnist_classifier import accuracy, load_classifier
    from benchbench.metrics.translation import translation_metrics

    pair = datasets.load("digits-to-mnist")
    mnist_images, mnist_labels = load_arrays()["test"]
    labels = pair.source_labels["train"][:600]
    # a "translation" that draws an MNIST digit of the source's class for each source image
    by_class = {c: mnist_images[mnist_labels == c] for c in range(10)}
    translated = torch.stack([by_class[int(c)][i % 50] for i, c in enumerate(labels)])
    shift = translation_metrics(lambda x: x + 0.25, pair, "train", translated, CPU)
    assert shift["cycle_l1"] == pytest.approx(0.25, abs=1e-6)
    x = pair.to_model(pair.source("train", 600))
    flipped = translation_metrics(lambda x: -x, pair, "train", translated, CPU)
    assert flipped["cycle_l1"] == pytest.approx((2 * x.abs()).mean().item(), rel=1e-5)
    net = load_classifier()
    assert (
        flipped["label_accuracy"] == pytest.approx(accuracy(net, translated, labels))
        and flipped["label_accuracy"] > 0.9
    )
    untranslated = accuracy(net, pair.source("train", 600), labels)
    assert flipped["label_accuracy_untranslated"] == pytest.approx(untranslated) and untranslated < 0.9
    shuffled = translation_metrics(lambda x: x, pair, "train", translated.flip(0), CPU)
    assert shuffled["label_accuracy"] < 0.5 and shuffled["cycle_l1"] == 0.0


def test_translation_metrics_without_source_labels_skip_label_accuracy():
    import dataclasses

    from benchbench.metrics.translation import translation_metrics

    pair = dataclasses.replace(datasets.load("digits-to-mnist"), source_labels=None)  # a classifier, no labels
    translated = pair.source("test", 20)
    assert set(translation_metrics(lambda x: x, pair, "test", translated, CPU)) == {"cycle_l1"}


def test_network_settings_reach_both_directions_and_sampling_needs_a_dataset():
    def size(module):
        return sum(p.numel() for p in module.parameters())

    small = CycleGAN(PAIR, {"residual_blocks": 1, "patch_layers": 1}, CPU)
    default = CycleGAN(PAIR, {}, CPU)
    assert size(small.generator) == size(small.g_back) < size(default.g_back) == size(default.generator)
    assert size(small.d_target) == size(small.d_source) < size(default.d_source) == size(default.d_target)
    with pytest.raises(UserError, match="no dataset was given"):
        default.sample(4)
