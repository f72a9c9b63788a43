"""``SkeletonAdapter``: multi-scale skeleton heatmaps → UNet residuals (ControlNet semantics)."""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from finephys.registry import GUIDANCE


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


class _ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.silu(self.conv1(F.silu(x))))


@GUIDANCE.register_module()
class SkeletonAdapter(BaseModule):
    """The FinePhys skeleton adapter (T2I-Adapter-like): per heatmap level a conv stem and residual
    blocks, then one **zero-initialised** 1×1 conv per UNet skip connection, so at step 0 the
    guided UNet equals the base model. It takes no timestep: run it once per video and reuse the
    residuals at every denoising step.

    Args:
        num_joints (int): Heatmap channels J.
        block_out_channels (Sequence[int]): The UNet's ``block_out_channels``.
        layers_per_block (int): The UNet's ``layers_per_block``.
        hidden (int): Width of the adapter's features.
        num_res_blocks (int): Residual blocks per level.
        latent_stride (int): Image pixels per latent pixel (8 for SD1.5's VAE).

    Shapes: ``heatmaps`` = list over the strides ``latent_stride · 2^k`` (k = 0 … levels − 1) of
    ``(B, F, J, H / s, W / s)`` (as :class:`MultiScaleHeatmapRenderer` renders them) →
    ``down`` residuals, a list of ``(B·F, C_i, h_i, w_i)`` (batch-major, as ``UNetMotionModel``
    expects), and ``mid`` ``(B·F, C_mid, h, w)``.
    """

    def __init__(self, num_joints: int = 17, block_out_channels: Sequence[int] = (320, 640, 1280, 1280),
                 layers_per_block: int = 2, hidden: int = 64, num_res_blocks: int = 1,
                 latent_stride: int = 8, init_cfg=None):
        super().__init__(init_cfg)
        self.spec, self.mid_spec = unet_residual_spec(block_out_channels, layers_per_block,
                                                      latent_stride)
        self.strides = sorted({s for _, s in self.spec})
        self.stems = nn.ModuleList(
            nn.Sequential(nn.Conv2d(num_joints + (hidden if i else 0), hidden, 3, padding=1),
                          *[_ResBlock(hidden) for _ in range(num_res_blocks)])
            for i in range(len(self.strides)))
        self.down_proj = nn.ModuleList(nn.Conv2d(hidden, ch, 1) for ch, _ in self.spec)
        self.mid_proj = nn.Conv2d(hidden, self.mid_spec[0], 1)
        for conv in [*self.down_proj, self.mid_proj]:
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)

    def forward(self, heatmaps: Sequence[torch.Tensor]):
        if len(heatmaps) < len(self.strides):
            raise ValueError(f'SkeletonAdapter: {len(heatmaps)} heatmap levels given, the UNet '
                             f'needs {len(self.strides)} (strides {self.strides})')
        feats = {}
        prev = None
        for i, (stride, stem) in enumerate(zip(self.strides, self.stems)):
            hm = heatmaps[i]
            b, f, j, h, w = hm.shape
            x = hm.reshape(b * f, j, h, w)                       # (B·F, J, h, w) batch-major
            if prev is not None:   # coarse levels also see the finer level's features
                x = torch.cat([x, F.avg_pool2d(prev, 2)], 1)
            prev = stem(x)
            feats[stride] = prev
        down = [proj(feats[s]) for proj, (_, s) in zip(self.down_proj, self.spec)]
        mid = self.mid_proj(feats[self.mid_spec[1]])
        return down, mid
