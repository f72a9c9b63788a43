"""``PoseGuider``: skeleton heatmaps → features added to the UNet's input (AnimateAnyone)."""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from finephys.registry import GUIDANCE

from .conv_blocks import zero_conv
from .guidance_features import GuidanceFeatures


@GUIDANCE.register_module()
class PoseGuider(BaseModule):
    """A pose guider at the input, as AnimateAnyone (Hu et al., CVPR 2024) conditions its
    denoising UNet: a light conv net on the pose map whose zero-initialised output is added to
    ``conv_in``'s output, so every UNet layer sees the skeleton from the start.

    AnimateAnyone draws the pose at image resolution and downsamples ×8 with stride-2 convs;
    here the renderer already gives heatmaps at the latent stride (level 0 of the pyramid), so
    the convolutions keep the resolution and widen: ``channels[0] → … → channels[-1]`` (3×3
    convs, SiLU), then the zero 1×1 conv to ``block_out_channels[0]``.

    Args:
        num_joints (int): Heatmap channels (joints, + limbs when the renderer draws them).
        block_out_channels (Sequence[int]): The UNet's ``block_out_channels`` (``conv_in``
            outputs ``block_out_channels[0]``).
        channels (Sequence[int]): Widths of the conv stages (AnimateAnyone: 16, 32, 96, 256).
        latent_stride (int): Stride of the heatmap level used (must be the latent stride).

    Shapes: heatmaps level 0 ``(B, F, C, H / s, W / s)`` → :class:`GuidanceFeatures` with
    ``conv_in`` ``(B·F, block_out_channels[0], H / s, W / s)``.
    """

    def __init__(self, num_joints: int = 17,
                 block_out_channels: Sequence[int] = (320, 640, 1280, 1280),
                 channels: Sequence[int] = (16, 32, 96, 256), latent_stride: int = 8,
                 init_cfg=None):
        super().__init__(init_cfg)
        self.latent_stride = latent_stride
        self.conv_in = nn.Conv2d(num_joints, channels[0], 3, padding=1)
        self.blocks = nn.ModuleList(
            nn.ModuleList([nn.Conv2d(c_in, c_in, 3, padding=1),
                           nn.Conv2d(c_in, c_out, 3, padding=1)])
            for c_in, c_out in zip(channels[:-1], channels[1:]))
        self.conv_out = zero_conv(channels[-1], block_out_channels[0])

    def forward(self, heatmaps: Sequence[torch.Tensor]) -> GuidanceFeatures:
        hm = heatmaps[0]
        b, f, c, h, w = hm.shape
        x = F.silu(self.conv_in(hm.reshape(b * f, c, h, w)))
        for conv_a, conv_b in self.blocks:
            x = F.silu(conv_b(F.silu(conv_a(x))))
        return GuidanceFeatures(conv_in=self.conv_out(x))
