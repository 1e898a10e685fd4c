"""ProGAN's growing networks (Karras et al. 2018, Sec. 2-4 and Table 2; the authors' networks.py).

Both networks hold every resolution block from the start; `level` (a buffer, so that it is
saved with the weights) says how many are in use and `alpha` how far the newest one has faded
in. Images are generated at 4 x 2^level pixels and brought to the data's shape (nearest
upsampling, then a centre crop: MNIST's 28 x 28 is trained as 32 x 32 with a 2-pixel border).

- Equalised learning rate (Sec. 4.1): weights drawn from N(0, 1) and scaled at run time by He's
  constant sqrt(2 / fan_in), so that Adam's step is the same for every layer.
- Pixelwise feature normalisation in G after every convolution (Sec. 4.2), and on the latent.
- Minibatch standard deviation (Sec. 3) before the critic's last block, groups of 4.
- Leaky ReLU 0.2; toRGB / fromRGB are 1 x 1 convolutions; D downsamples by 2 x 2 average pooling.
- Channels per resolution: min(fmap_base / 2^stage, fmap_max) with fmap_base 8192, fmap_max 512
  (the paper's), times the suite's width.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class EqualizedConv2d(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, gain: float = math.sqrt(2)) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(c_out, c_in, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(c_out))
        self.scale, self.padding = gain / math.sqrt(c_in * kernel * kernel), kernel // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class EqualizedLinear(nn.Module):
    def __init__(self, f_in: int, f_out: int, gain: float = math.sqrt(2)) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(f_out, f_in))
        self.bias = nn.Parameter(torch.zeros(f_out))
        self.scale = gain / math.sqrt(f_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


def minibatch_stddev(x: torch.Tensor, group_size: int = 4) -> torch.Tensor:
    """Append one feature map: the standard deviation over each group of samples, averaged."""
    n, c, h, w = x.shape
    group = max(g for g in range(1, min(group_size, n) + 1) if n % g == 0)
    y = x.reshape(group, -1, c, h, w)
    y = (y - y.mean(0, keepdim=True)).pow(2).mean(0).add(1e-8).sqrt().mean(dim=(1, 2, 3))
    return torch.cat([x, y.reshape(1, -1, 1, 1).expand(group, -1, h, w).reshape(n, 1, h, w)], dim=1)


def lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


def levels_for(shape: tuple[int, ...]) -> int:
    """Resolution doublings after 4 x 4 needed to cover the data: 3 for 28 or 32 pixels."""
    return max(0, math.ceil(math.log2(max(shape[1:]))) - 2)


def channels(level: int, width: float, fmap_base: int = 8192, fmap_max: int = 512) -> int:
    return max(4, int(round(min(fmap_base / 2 ** (level + 1), fmap_max) * width)))


def to_shape(images: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Nearest-upsample to the full training resolution, then centre-crop to the data's shape."""
    full = 4 * 2 ** levels_for(shape)
    if images.shape[-1] != full:
        images = F.interpolate(images, scale_factor=full // images.shape[-1], mode="nearest")
    top, left = (full - shape[1]) // 2, (full - shape[2]) // 2
    return images[:, :, top : top + shape[1], left : left + shape[2]]


def from_shape(images: torch.Tensor, shape: tuple[int, ...], resolution: int) -> torch.Tensor:
    """Data-shaped images (in [-1, 1]) padded with the background value -1 to the full training
    resolution and average-pooled down to `resolution`."""
    full = 4 * 2 ** levels_for(shape)
    top, left = (full - shape[1]) // 2, (full - shape[2]) // 2
    images = F.pad(images, (left, full - shape[2] - left, top, full - shape[1] - top), value=-1.0)
    return F.avg_pool2d(images, full // resolution) if resolution < full else images


class GrowingGenerator(nn.Module):
    def __init__(self, shape: tuple[int, ...], latent_dim: int, width: float) -> None:
        super().__init__()
        self.shape, self.max_level = tuple(shape), levels_for(shape)
        self.register_buffer("level", torch.tensor(0))
        self.register_buffer("alpha", torch.tensor(1.0))
        c0 = channels(0, width)
        # The first block: the latent to 4 x 4 (gain sqrt(2)/4 as in networks.py), then a 3 x 3 conv.
        self.dense = EqualizedLinear(latent_dim, c0 * 16, gain=math.sqrt(2) / 4)
        self.blocks = nn.ModuleList([nn.ModuleList([EqualizedConv2d(c0, c0, 3)])])
        for level in range(1, self.max_level + 1):
            c_in, c_out = channels(level - 1, width), channels(level, width)
            self.blocks.append(nn.ModuleList([EqualizedConv2d(c_in, c_out, 3), EqualizedConv2d(c_out, c_out, 3)]))
        self.to_rgb = nn.ModuleList(
            [EqualizedConv2d(channels(lv, width), shape[0], 1, gain=1.0) for lv in range(self.max_level + 1)]
        )

    def synthesize(self, z: torch.Tensor) -> torch.Tensor:
        """Images at the current resolution, the newest block faded in by alpha."""
        level, alpha = int(self.level), float(self.alpha)
        h = pixel_norm(lrelu(self.dense(pixel_norm(z)).view(z.shape[0], -1, 4, 4)))
        previous = h
        for index in range(level + 1):
            if index > 0:
                previous = h
                h = F.interpolate(h, scale_factor=2, mode="nearest")
            for conv in self.blocks[index]:
                h = pixel_norm(lrelu(conv(h)))
        image = self.to_rgb[level](h)
        if level > 0 and alpha < 1.0:
            skip = F.interpolate(self.to_rgb[level - 1](previous), scale_factor=2, mode="nearest")
            image = torch.lerp(skip, image, alpha)
        return image

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return to_shape(self.synthesize(z), self.shape)


class GrowingCritic(nn.Module):
    def __init__(self, shape: tuple[int, ...], width: float, group_size: int = 4) -> None:
        super().__init__()
        self.shape, self.max_level, self.group_size = tuple(shape), levels_for(shape), group_size
        self.register_buffer("level", torch.tensor(0))
        self.register_buffer("alpha", torch.tensor(1.0))
        self.from_rgb = nn.ModuleList(
            [EqualizedConv2d(shape[0], channels(lv, width), 1) for lv in range(self.max_level + 1)]
        )
        c0 = channels(0, width)
        self.blocks = nn.ModuleList([nn.ModuleList([EqualizedConv2d(c0 + 1, c0, 3)])])
        for level in range(1, self.max_level + 1):
            c_in, c_out = channels(level, width), channels(level - 1, width)
            self.blocks.append(nn.ModuleList([EqualizedConv2d(c_in, c_in, 3), EqualizedConv2d(c_in, c_out, 3)]))
        self.dense = EqualizedLinear(c0 * 16, c0)
        self.out = EqualizedLinear(c0, 1, gain=1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores of images at the current resolution; data-shaped images are brought there first."""
        level, alpha = int(self.level), float(self.alpha)
        resolution = 4 * 2**level
        if x.shape[-1] != resolution:
            x = from_shape(x, self.shape, resolution)
        h = lrelu(self.from_rgb[level](x))
        for index in range(level, 0, -1):
            for conv in self.blocks[index]:
                h = lrelu(conv(h))
            h = F.avg_pool2d(h, 2)
            if index == level and alpha < 1.0:
                h = torch.lerp(lrelu(self.from_rgb[level - 1](F.avg_pool2d(x, 2))), h, alpha)
        h = lrelu(self.blocks[0][0](minibatch_stddev(h, self.group_size)))
        return self.out(lrelu(self.dense(h.flatten(1)))).squeeze(1)
