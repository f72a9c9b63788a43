"""``SkeletonAdapter``: multi-scale skeleton heatmaps → UNet skip residuals (ControlNet
semantics)."""
from typing import List, Sequence, Tuple

import torch
from mmengine.model import BaseModule

from finephys.registry import GUIDANCE

from .conv_blocks import zero_conv
from .guidance_features import GuidanceFeatures
from .heatmap_pyramid_encoder import HeatmapPyramidEncoder


def unet_residual_spec(block_out_channels: Sequence[int], layers_per_block: int,
                       latent_stride: int = 8) -> Tuple[List[Tuple[int, int]], Tuple[int, int]]:
    """The residuals a diffusers UNet (``UNet2DConditionModel`` / ``UNetMotionModel``) takes.

    ``down_block_additional_residuals`` has one entry per skip connection: ``conv_in``'s output,
    then every resnet of every down block and every down block's downsampler (all but the last
    block have one). The mid-block residual sits at the deepest resolution.

    Args:
        block_out_channels: UNet config ``block_out_channels``.
        layers_per_block: UNet config ``layers_per_block``.
        latent_stride: Image pixels per latent pixel (8 for SD's VAE).

    Returns:
        tuple: ``[(channels, stride_in_image_pixels), ...]`` for the down residuals, and
        ``(channels, stride)`` for the mid residual.
    """
    stride = latent_stride
    spec = [(block_out_channels[0], stride)]
    for i, ch in enumerate(block_out_channels):
        spec += [(ch, stride)] * layers_per_block
        if i < len(block_out_channels) - 1:
            stride *= 2
            spec.append((ch, stride))
    return spec, (block_out_channels[-1], stride)


@GUIDANCE.register_module()
class SkeletonAdapter(BaseModule):
    """The FinePhys skeleton adapter with ControlNet-style injection: a heatmap pyramid encoder,
    then one **zero-initialised** 1×1 conv per UNet skip connection and one for the mid block, so
    at step 0 the guided UNet equals the base model. The residuals reach the decoder through the
    skips (``down_block_additional_residuals``). It takes no timestep: run it once per video and
    reuse the features at every denoising step.

    Args:
        num_joints (int): Heatmap channels (joints, + limbs when the renderer draws them).
        block_out_channels (Sequence[int]): The UNet's ``block_out_channels``.
        layers_per_block (int): The UNet's ``layers_per_block``.
        hidden (int): Width of the adapter's features.
        num_res_blocks (int): Residual blocks per level.
        latent_stride (int): Image pixels per latent pixel (8 for SD1.5's VAE).

    Shapes: ``heatmaps`` = list over the strides ``latent_stride · 2^k`` (k = 0 … levels − 1) of
    ``(B, F, C, H / s, W / s)`` (as :class:`MultiScaleHeatmapRenderer` renders them) →
    :class:`GuidanceFeatures` with ``down`` (list of ``(B·F, C_i, h_i, w_i)``, batch-major, as
    ``UNetMotionModel`` expects) and ``mid`` ``(B·F, C_mid, h, w)``.
    """

    def __init__(self, num_joints: int = 17, block_out_channels: Sequence[int] = (320, 640, 1280, 1280),
                 layers_per_block: int = 2, hidden: int = 64, num_res_blocks: int = 1,
                 latent_stride: int = 8, init_cfg=None):
        super().__init__(init_cfg)
        self.spec, self.mid_spec = unet_residual_spec(block_out_channels, layers_per_block,
                                                      latent_stride)
        self.strides = sorted({s for _, s in self.spec})
        self.encoder = HeatmapPyramidEncoder(num_joints, self.strides, hidden, num_res_blocks)
        self.down_proj = torch.nn.ModuleList(zero_conv(hidden, ch) for ch, _ in self.spec)
        self.mid_proj = zero_conv(hidden, self.mid_spec[0])

    def forward(self, heatmaps: Sequence[torch.Tensor]) -> GuidanceFeatures:
        feats = self.encoder(heatmaps, 'SkeletonAdapter')
        down = [proj(feats[s]) for proj, (_, s) in zip(self.down_proj, self.spec)]
        return GuidanceFeatures(down=down, mid=self.mid_proj(feats[self.mid_spec[1]]))
