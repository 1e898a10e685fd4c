import pytest
import torch
import torch.nn.functional as F

from benchbench import datasets
from benchbench.metrics.swd import (
    _blur,
    _descriptors,
    _sliced,
    _to_power_of_two,
    laplacian_pyramid,
    sliced_wasserstein_images,
)


def test_laplacian_pyramid_reconstructs_the_image():
    images = torch.rand(3, 2, 32, 32)
    pyramid = laplacian_pyramid(images, 3)
    assert [level.shape[-1] for level in pyramid] == [32, 16, 8]
    current = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        up = torch.zeros_like(band)
        up[:, :, ::2, ::2] = current
        current = band + _blur(up, gain=4.0)
    assert torch.allclose(current, images, atol=1e-5)


def test_levels_from_the_resolution_down_to_16():
    small = sliced_wasserstein_images(
        torch.zeros(4, 1, 28, 28, dtype=torch.uint8) + 3, (torch.rand(4, 1, 28, 28) * 255).to(torch.uint8), per_image=8
    )
    assert set(small) == {"pyramid_swd_32", "pyramid_swd_16", "pyramid_swd"}
    big = (torch.rand(4, 3, 64, 64) * 255).to(torch.uint8)
    assert set(sliced_wasserstein_images(big, big.flip(0), per_image=8)) == {
        "pyramid_swd_64",
        "pyramid_swd_32",
        "pyramid_swd_16",
        "pyramid_swd",
    }


def test_swd_orders_real_blurred_and_noise():
    mnist = datasets.load("mnist")
    real, other = mnist.reference("validation", 300), mnist.reference("test", 300)
    blurred = F.avg_pool2d(real.float(), 3, 1, 1).round().to(torch.uint8)
    noise = (torch.rand(300, 1, 28, 28) * 255).to(torch.uint8)
    scores = {
        name: sliced_wasserstein_images(x, other, per_image=32)["pyramid_swd"]
        for name, x in (("real", real), ("blurred", blurred), ("noise", noise))
    }
    assert scores["real"] < scores["blurred"] < scores["noise"]
    assert sliced_wasserstein_images(real, other, per_image=32) == sliced_wasserstein_images(real, other, per_image=32)


def test_blur_is_the_normalised_binomial_kernel():
    delta = torch.zeros(1, 1, 9, 9)
    delta[0, 0, 4, 4] = 1.0
    row = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16
    assert torch.allclose(_blur(delta)[0, 0, 2:7, 2:7], torch.outer(row, row))
    assert torch.allclose(_blur(delta, gain=4.0), 4 * _blur(delta))
    flat = torch.full((2, 3, 8, 8), 5.0)  # per channel, with reflected borders: a constant stays constant
    assert torch.allclose(_blur(flat), flat)
    assert _blur(flat.double()).dtype == torch.float64  # the kernel follows the images' dtype (and device)


def test_images_are_edge_padded_to_a_power_of_two_in_the_middle():
    x = torch.arange(28 * 20.0).view(1, 1, 28, 20)
    padded = _to_power_of_two(x)
    assert padded.shape == (1, 1, 32, 32)
    assert torch.equal(padded[..., 2:30, 6:26], x)  # 4 rows and 12 columns, split evenly
    assert torch.equal(padded[..., 0, 6:26], x[..., 0, :]) and torch.equal(padded[..., 31, 6:26], x[..., -1, :])
    assert torch.equal(padded[..., 2:30, 0], x[..., :, 0]) and torch.equal(padded[..., 2:30, 31], x[..., :, -1])
    assert torch.equal(padded[..., 2:30, 5], x[..., :, 0])
    odd = _to_power_of_two(torch.zeros(1, 1, 13, 13))
    assert odd.shape == (1, 1, 16, 16)
    wide = _to_power_of_two(torch.rand(1, 1, 32, 20))  # one side already a power of two
    assert wide.shape == (1, 1, 32, 32)
    same = torch.rand(2, 3, 16, 16)
    assert _to_power_of_two(same) is same


def test_descriptors_are_random_neighbourhoods_normalised_per_channel():
    spread = torch.tensor([4.0, 0.1, 1.0]).view(1, 3, 1, 1)  # above and below 1
    level = torch.rand(5, 3, 16, 16) * spread + torch.tensor([0.0, 10.0, -3.0]).view(1, 3, 1, 1)
    out = _descriptors(level, 6, 7, torch.Generator().manual_seed(3))
    assert out.shape == (30, 3 * 49)
    channels = out.view(30, 3, 49)
    assert torch.allclose(channels.mean(dim=(0, 2)), torch.zeros(3), atol=1e-4)
    assert torch.allclose(channels.std(dim=(0, 2)), torch.ones(3), atol=1e-4)
    rng = torch.Generator().manual_seed(3)  # the same draws, cut out one by one
    ys, xs = torch.randint(10, (5, 6), generator=rng), torch.randint(10, (5, 6), generator=rng)
    patches = torch.stack(
        [level[i, :, ys[i, j] : ys[i, j] + 7, xs[i, j] : xs[i, j] + 7] for i in range(5) for j in range(6)]
    )
    mean, std = patches.mean(dim=(0, 2, 3), keepdim=True), patches.std(dim=(0, 2, 3), keepdim=True)
    assert torch.allclose(out, ((patches - mean) / std).flatten(1), atol=1e-5)
    flat = _descriptors(torch.ones(2, 1, 8, 8), 3, 7, torch.Generator().manual_seed(0))
    assert torch.isfinite(flat).all()  # a constant level: no division by a zero spread


def test_sliced_distance_is_scipys_wasserstein_along_random_unit_directions():
    from scipy.stats import wasserstein_distance

    a, b = torch.randn(40, 5), torch.randn(40, 5) * 2 + 1
    got = _sliced(a, b, repeats=3, directions=4, rng=torch.Generator().manual_seed(9))
    rng, expected = torch.Generator().manual_seed(9), []
    for _ in range(3):
        dirs = torch.randn(5, 4, generator=rng)
        dirs = dirs / dirs.norm(dim=0)
        expected += [wasserstein_distance((a @ dirs[:, j]).numpy(), (b @ dirs[:, j]).numpy()) for j in range(4)]
    assert got == pytest.approx(sum(expected) / len(expected), rel=1e-5)
    assert _sliced(a, a, 2, 4, torch.Generator()) == 0.0


def test_pyramid_distance_per_level_in_thousandths_and_their_mean():
    """One 16 x 16 level: the distance is 1e3 x the sliced distance of the two descriptor sets,
    drawn in order from one generator; sets are cut to the smaller, and a brightness offset is
    normalised away (each set is standardised on its own)."""
    fake = (torch.rand(6, 1, 16, 16) * 255).to(torch.uint8)
    real = (torch.rand(9, 1, 16, 16) * 128).to(torch.uint8)
    got = sliced_wasserstein_images(fake, real, seed=4, per_image=5, repeats=2, directions=8)
    rng = torch.Generator().manual_seed(4)
    a = _descriptors(fake.float(), 5, 7, rng)
    b = _descriptors(real[:6].float(), 5, 7, rng)
    expected = 1e3 * _sliced(a, b, 2, 8, rng)
    assert got == pytest.approx({"pyramid_swd_16": expected, "pyramid_swd": expected})
    larger_fake = sliced_wasserstein_images(real, fake, seed=4, per_image=5, repeats=2, directions=8)
    assert set(larger_fake) == {"pyramid_swd_16", "pyramid_swd"}  # cut to the smaller set on either side
    assert sliced_wasserstein_images(fake, real, max_images=4, per_image=5) == sliced_wasserstein_images(
        fake[:4], real[:4], per_image=5
    )
    two = sliced_wasserstein_images(fake.repeat(1, 1, 2, 2), real.repeat(1, 1, 2, 2), per_image=5)
    assert two["pyramid_swd"] == pytest.approx((two["pyramid_swd_32"] + two["pyramid_swd_16"]) / 2)
    brighter = sliced_wasserstein_images(fake // 2 + 100, real, per_image=5)
    assert brighter["pyramid_swd"] == pytest.approx(
        sliced_wasserstein_images(fake // 2, real, per_image=5)["pyramid_swd"]
    )


def test_defaults_give_the_authors_settings():
    """Karras et al.'s sliced_wasserstein.py: 128 7 x 7 neighbourhoods per image and level, 4
    repeats of 128 random directions (the defaults give what those settings, named, give)."""
    fake = (torch.rand(3, 1, 16, 16, generator=torch.Generator().manual_seed(1)) * 255).to(torch.uint8)
    real = (torch.rand(3, 1, 16, 16, generator=torch.Generator().manual_seed(2)) * 255).to(torch.uint8)
    named = sliced_wasserstein_images(fake, real, per_image=128, size=7, repeats=4, directions=128)
    assert sliced_wasserstein_images(fake, real) == named
