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
