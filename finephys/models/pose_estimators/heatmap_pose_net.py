"""``HeatmapPoseNet``: a small encoder-decoder that draws one heatmap per joint."""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from finephys.registry import MODELS


def _conv(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


@MODELS.register_module()
class HeatmapPoseNet(nn.Module):
    """A U-Net-shaped bottom-up heatmap network for small frames (SimpleBaseline's heatmap
    head on a tiny encoder, with skips so the full-resolution maps stay sharp).

    Args:
        num_joints (int): Heatmaps out.
        channels (Sequence[int]): Encoder widths per level; each level after the first halves
            the resolution, the decoder mirrors it back to the input resolution.

    Shapes: ``(N, 3, H, W)`` RGB in [−1, 1] → ``(N, J, H, W)`` (stride 1); H and W must be
    divisible by ``2^(len(channels) − 1)``.
    """

    def __init__(self, num_joints: int = 17, channels: Sequence[int] = (16, 32, 64)):
        super().__init__()
        self.channels = tuple(channels)
        self.encoder = nn.ModuleList()
        c_prev = 3
        for c in self.channels:
            self.encoder.append(nn.Sequential(_conv(c_prev, c), _conv(c, c)))
            c_prev = c
        self.decoder = nn.ModuleList(
            nn.Sequential(_conv(c_deep + c_skip, c_skip), _conv(c_skip, c_skip))
            for c_deep, c_skip in zip(self.channels[:0:-1], self.channels[-2::-1]))
        self.head = nn.Conv2d(self.channels[0], num_joints, 1)

    @property
    def size_multiple(self) -> int:
        return 2 ** (len(self.channels) - 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        h, w = images.shape[-2:]
        if h % self.size_multiple or w % self.size_multiple:
            raise ValueError(f'HeatmapPoseNet: frame size {w}x{h} is not a multiple of '
                             f'{self.size_multiple}')
        skips, x = [], images
        for i, level in enumerate(self.encoder):
            if i:
                x = F.max_pool2d(x, 2)
            x = level(x)
            skips.append(x)
        for level, skip in zip(self.decoder, skips[-2::-1]):
            x = level(torch.cat([F.interpolate(x, scale_factor=2, mode='nearest'), skip], 1))
        return self.head(x)
