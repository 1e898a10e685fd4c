"""CycleGAN's networks (Zhu et al. 2017, Sec. 4 and Appendix 7.2; the authors' networks.py),
sized for small images.

Generator: c7s1-64, d128, d256, R256 x n, u128, u64, c7s1-C with instance norm, ReLU, reflection
padding and tanh (Johnson et al. 2016). The paper uses 6 residual blocks at 128 x 128 and 9 at
256 x 256; at 28-32 pixels two downsamplings leave 7-8 pixels, and 3 blocks already see all of it.
Discriminator: the 70 x 70 PatchGAN (C64-C128-C256-C512, 4 x 4 convolutions, leaky ReLU 0.2,
no norm on the first layer) with `layers` stride-2 stages: 2 at 28-32 pixels gives 5 x 5 patches
of ~22 pixels each, the same share of the image as 70 of 256.
Channel counts are the paper's times the suite's width.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from benchbench.nets.common import scaled


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def resnet_generator(c_in: int, c_out: int, width: float, blocks: int = 3) -> nn.Module:
    f = scaled(64, width)
    layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(c_in, f, 7), nn.InstanceNorm2d(f), nn.ReLU(True)]
    for m in (1, 2):  # two stride-2 downsamplings
        layers += [nn.Conv2d(f * m, f * m * 2, 3, stride=2, padding=1), nn.InstanceNorm2d(f * m * 2), nn.ReLU(True)]
    layers += [ResidualBlock(f * 4) for _ in range(blocks)]
    for m in (4, 2):
        layers += [
            nn.ConvTranspose2d(f * m, f * m // 2, 3, stride=2, padding=1, output_padding=1),
            nn.InstanceNorm2d(f * m // 2),
            nn.ReLU(True),
        ]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(f, c_out, 7), nn.Tanh()]
    return nn.Sequential(*layers)


def patch_discriminator(c_in: int, width: float, layers: int = 2) -> nn.Module:
    f = scaled(64, width)
    net: list[nn.Module] = [nn.Conv2d(c_in, f, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
    channels = f
    for n in range(1, layers + 1):
        stride = 2 if n < layers else 1
        out = f * min(2**n, 8)
        net += [nn.Conv2d(channels, out, 4, stride=stride, padding=1), nn.InstanceNorm2d(out), nn.LeakyReLU(0.2, True)]
        channels = out
    net += [nn.Conv2d(channels, 1, 4, stride=1, padding=1)]
    return nn.Sequential(*net)
