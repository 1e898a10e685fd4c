import torch
import torch.nn.functional as F

from benchbench import datasets
from benchbench.metrics.swd import _blur, laplacian_pyramid, sliced_wasserstein_images


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
