"""``T2ISkeletonAdapter``: skeleton heatmaps → features added inside the UNet's down path
(T2I-Adapter semantics)."""
from typing import Sequence

import torch
from mmengine.model import BaseModule

from finephys.registry import GUIDANCE

from .conv_blocks import zero_conv
from .guidance_features import GuidanceFeatures
from .heatmap_pyramid_encoder import HeatmapPyramidEncoder


@GUIDANCE.register_module()
class T2ISkeletonAdapter(BaseModule):
    """T2I-Adapter-style injection (Mou et al., AAAI 2024): one feature map per down block, at
    the block's input resolution and output channels, **added to the encoder's hidden states**
    after the block's last layer (before its downsampler) — where diffusers'
    ``down_intrablock_additional_residuals`` go in ``UNet2DConditionModel``. Unlike the
    ControlNet-style residuals, which only reach the decoder through the skips, these features
    pass through every deeper encoder block, the mid block and the skips.

    ``UNetMotionModel.forward`` has no intrablock argument; :class:`AnimateDiffGenerator` adds
    the features with forward hooks on each down block's last motion module (its output is the
    block's last layer output). Output convs are zero-initialised (step 0 = base model).

    Args:
        num_joints (int): Heatmap channels (joints, + limbs when the renderer draws them).
        block_out_channels (Sequence[int]): The UNet's ``block_out_channels``.
        hidden (int): Feature width.
        num_res_blocks (int): Residual blocks per level.
        latent_stride (int): Image pixels per latent pixel (8 for SD1.5's VAE; 1 in pixel space).

    Shapes: heatmaps as :class:`SkeletonAdapter` takes them (levels at strides
    ``latent_stride · 2^k``) → :class:`GuidanceFeatures` with ``intrablock`` = list over down
    blocks of ``(B·F, block_out_channels[k], H / s_k, W / s_k)``.
    """

    def __init__(self, num_joints: int = 17,
                 block_out_channels: Sequence[int] = (320, 640, 1280, 1280), hidden: int = 64,
                 num_res_blocks: int = 1, latent_stride: int = 8, init_cfg=None):
        super().__init__(init_cfg)
        self.strides = [latent_stride * 2 ** k for k in range(len(block_out_channels))]
        self.encoder = HeatmapPyramidEncoder(num_joints, self.strides, hidden, num_res_blocks)
        self.block_proj = torch.nn.ModuleList(zero_conv(hidden, ch) for ch in block_out_channels)

    def forward(self, heatmaps: Sequence[torch.Tensor]) -> GuidanceFeatures:
        feats = self.encoder(heatmaps, 'T2ISkeletonAdapter')
        return GuidanceFeatures(intrablock=[proj(feats[s]) for proj, s in
                                            zip(self.block_proj, self.strides)])
