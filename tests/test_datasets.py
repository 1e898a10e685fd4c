import gzip
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from benchbench import datasets
from benchbench.datasets import mnist
from benchbench.datasets.base import BatchStream
from benchbench.errors import UserError


def test_mnist_splits_follow_lucic():
    data = datasets.load("mnist")
    assert data.kind == "image" and data.shape == (1, 28, 28)
    assert [len(data.splits[s]) for s in ("train", "validation", "test")] == [50_000, 10_000, 10_000]
    assert data.splits["train"].dtype == torch.uint8
    assert data.extractor == "mnist-classifier"


def test_mnist_refuses_a_corrupt_file(tmp_path):
    raw = gzip.decompress((mnist.FILES_DIR / "t10k-labels-idx1-ubyte.gz").read_bytes())
    damaged = raw[:-1] + bytes([(raw[-1] + 1) % 256])
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(damaged))
    with pytest.raises(UserError, match="corrupt"):
        mnist.read_idx("t10k-labels-idx1-ubyte", tmp_path)
    with pytest.raises(UserError, match="missing"):
        mnist.read_idx("train-labels-idx1-ubyte", tmp_path)


def test_model_space_round_trip():
    data = datasets.load("mnist")
    raw = data.reference("test", 16)
    as_model = data.to_model(raw)
    assert as_model.min() >= -1 and as_model.max() <= 1
    assert torch.equal(data.from_model(as_model), raw)


@pytest.mark.parametrize(
    "name, n_modes, scale, std",
    [("8gaussians", 8, 1.414, 0.02), ("25gaussians", 25, 2.828, 0.05)],
)
def test_gaussian_mixtures_match_gan_toy(name, n_modes, scale, std):
    data = datasets.load(name)
    assert data.kind == "points" and data.shape == (2,)
    assert len(data.modes) == n_modes
    assert data.mode_std == pytest.approx(std / scale)
    points = data.splits["train"]
    nearest = torch.cdist(points, data.modes).min(dim=1).values
    assert (nearest < 4 * data.mode_std).float().mean() > 0.999
    if name == "8gaussians":
        assert data.modes.norm(dim=1).allclose(torch.full((8,), 2 / 1.414))


def test_toy_data_is_fixed_by_data_seed():
    assert torch.equal(datasets.load("swissroll").splits["test"], datasets.load("swissroll").splits["test"])
    assert not torch.equal(
        datasets.load("swissroll", data_seed=1).splits["test"], datasets.load("swissroll").splits["test"]
    )


def test_swissroll_scale():
    points = datasets.load("swissroll").splits["train"]
    assert points.abs().max() < 2.5 and points.std() > 0.3


def test_batch_stream_is_deterministic_and_resumable():
    data = torch.arange(10).unsqueeze(1)
    stream = BatchStream(data, 4, seed=3)
    first = [stream.next() for _ in range(3)]
    state = stream.state_dict()
    later = [stream.next() for _ in range(4)]
    again = BatchStream(data, 4, seed=3)
    assert all(torch.equal(a, b) for a, b in zip(first, [again.next() for _ in range(3)]))
    resumed = BatchStream(data, 4, seed=3)
    resumed.load_state_dict(state)
    assert all(torch.equal(a, b) for a, b in zip(later, [resumed.next() for _ in range(4)]))
    epoch = torch.cat([BatchStream(data, 5, seed=0).next() for _ in range(1)])
    assert len(set(epoch.flatten().tolist())) == 5


def _write_images(folder, count, size=(20, 12), mode="RGB"):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        array = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        Image.fromarray(array).convert(mode).save(folder / f"img{i}.png")


def test_image_folder_without_splits(tmp_path):
    _write_images(tmp_path / "a", 15)
    _write_images(tmp_path / "b", 5)
    data = datasets.load(f"folder:{tmp_path}", resolution=16)
    assert data.shape == (3, 16, 16) and data.arch == "dcgan"
    assert sum(len(s) for s in data.splits.values()) == 20
    assert len(data.splits["validation"]) == 2 and len(data.splits["test"]) == 2


def test_image_folder_with_split_folders_and_grayscale(tmp_path):
    for split, n in (("train", 6), ("validation", 2), ("test", 3)):
        _write_images(tmp_path / split, n, mode="L")
    data = datasets.load("folder", path=str(tmp_path), resolution=28, channels=1)
    assert data.shape == (1, 28, 28) and data.arch == "infogan28"
    assert [len(data.splits[s]) for s in ("train", "validation", "test")] == [6, 2, 3]


def test_image_folder_errors(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        datasets.load(f"folder:{tmp_path / 'nope'}")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    _write_images(tmp_path, 3)
    with pytest.raises(UserError, match="cannot read image"):
        datasets.load(f"folder:{tmp_path}")
    with pytest.raises(UserError, match="resolution"):
        datasets.load(f"folder:{tmp_path}", resolution=30)


def test_unknown_dataset_and_bad_options():
    with pytest.raises(UserError, match="unknown dataset"):
        datasets.load("imagenet")
    with pytest.raises(UserError, match="bad options"):
        datasets.load("mnist", colour=True)
    with pytest.raises(UserError, match="takes no"):
        datasets.load("mnist:/data")


def test_cifar10_from_torchvision_layout(tmp_path, monkeypatch):
    from torchvision.datasets import CIFAR10

    base = tmp_path / "cifar-10-batches-py"
    base.mkdir()
    rng = np.random.default_rng(0)
    for name, n in [*[(f"data_batch_{i}", 4) for i in range(1, 6)], ("test_batch", 6)]:
        batch = {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), "labels": [0] * n}
        (base / name).write_bytes(pickle.dumps(batch))
    (base / "batches.meta").write_bytes(pickle.dumps({"label_names": [str(i) for i in range(10)]}))
    import torchvision.datasets.cifar as cifar_module

    # our files are not the real ones: skip torchvision's md5 checks
    monkeypatch.setattr(CIFAR10, "_check_integrity", lambda self: True)
    monkeypatch.setattr(cifar_module, "check_integrity", lambda *args: True)
    data = datasets.load(f"cifar10:{tmp_path}", n_validation=5)
    assert data.shape == (3, 32, 32)
    assert [len(data.splits[s]) for s in ("train", "validation", "test")] == [15, 5, 6]


def test_cifar10_missing_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="CIFAR-10 not found"):
        datasets.load(f"cifar10:{tmp_path}")


def test_celeba_uses_the_official_partition(tmp_path):
    images = tmp_path / "celeba" / "img_align_celeba"
    _write_images(images, 6, size=(178, 218))
    lines = [f"img{i}.png {split}" for i, split in enumerate([0, 0, 0, 1, 2, 2])]
    (tmp_path / "celeba" / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    data = datasets.load(f"celeba:{tmp_path}", resolution=32)
    assert data.shape == (3, 32, 32)
    assert [len(data.splits[s]) for s in ("train", "validation", "test")] == [3, 1, 2]
    with pytest.raises(UserError, match="CelebA not found"):
        datasets.load(f"celeba:{tmp_path / 'elsewhere'}")
