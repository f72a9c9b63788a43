"""``HeatmapPyramidEncoder``: multi-scale skeleton heatmaps → features at every level."""
from typing import Dict, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .conv_blocks import ResidualConvBlock


class HeatmapPyramidEncoder(nn.Module):
    """Per heatmap level a conv stem and residual blocks; every level after the first also sees
    the finer level's features (average-pooled ×2), so coarse features know the fine layout.

    Args:
        in_channels (int): Heatmap channels (joints, plus limbs when the renderer draws them).
        strides (Sequence[int]): The levels' strides in image pixels, finest first, each twice
            the previous.
        hidden (int): Feature width.
        num_res_blocks (int): Residual blocks per level.

    Shapes: ``heatmaps`` = list over ``strides`` of ``(B, F, C_in, H / s, W / s)`` →
    ``{stride: (B·F, hidden, H / s, W / s)}`` (batch-major frames).
    """

    def __init__(self, in_channels: int, strides: Sequence[int], hidden: int = 64,
                 num_res_blocks: int = 1):
        super().__init__()
        self.strides = tuple(strides)
        self.stems = nn.ModuleList(
            nn.Sequential(nn.Conv2d(in_channels + (hidden if i else 0), hidden, 3, padding=1),
                          *[ResidualConvBlock(hidden) for _ in range(num_res_blocks)])
            for i in range(len(self.strides)))

    def forward(self, heatmaps: Sequence[torch.Tensor], owner: str = 'adapter'
                ) -> Dict[int, torch.Tensor]:
        if len(heatmaps) < len(self.strides):
            raise ValueError(f'{owner}: {len(heatmaps)} heatmap levels given, the UNet needs '
                             f'{len(self.strides)} (strides {list(self.strides)})')
        feats, prev = {}, None
        for stride, stem, hm in zip(self.strides, self.stems, heatmaps):
            b, f, c, h, w = hm.shape
            x = hm.reshape(b * f, c, h, w)
            if prev is not None:
                x = torch.cat([x, F.avg_pool2d(prev, 2)], 1)
            prev = stem(x)
            feats[stride] = prev
        return feats
