"""``TemporalConvLifter``: dilated temporal convolutions from 2D to 3D (VideoPose3D-like)."""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule

from finephys.registry import LIFTERS

from .root_trajectory import normalise_2d, root_from_apparent_size


class _TemporalBlock(nn.Module):
    """Residual block: dilated conv (k=3) → BN → ReLU → dropout → 1×1 conv → BN → ReLU."""

    def __init__(self, channels, dilation, dropout, norm_cfg):
        super().__init__()
        self.dilation = dilation
        self.conv = nn.Conv1d(channels, channels, 3, dilation=dilation, bias=False)
        self.bn = build_norm_layer(norm_cfg, channels)[1]
        self.pointwise = nn.Conv1d(channels, channels, 1, bias=False)
        self.bn2 = build_norm_layer(norm_cfg, channels)[1]
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        # replicate padding keeps T frames in and out (sequence-to-sequence: the physics stage
        # downstream needs every frame, unlike VideoPose3D's one-frame-per-window output)
        y = F.pad(x, (self.dilation, self.dilation), mode='replicate')
        y = self.drop(F.relu(self.bn(self.conv(y))))
        y = self.drop(F.relu(self.bn2(self.pointwise(y))))
        return x + y


@LIFTERS.register_module()
class TemporalConvLifter(BaseModule):
    """Dilated temporal convolution lifter (Pavllo et al., VideoPose3D, CVPR 2019), sequence to
    sequence, predicting camera-frame 3D **with the root trajectory**.

    Input normalisation: per frame, the 2D pose is centred on its root and divided by its size
    ``s`` (mean joint distance to the root), so the shape stream sees scale- and
    position-free 2D; the root position and ``log s`` enter as three extra channels. The root is
    predicted as a depth ``z = (size_3d / s) · exp(δ)`` — apparent size against a learned body
    size ``size_3d`` (initialised to ``depth_scale`` · a typical 2D size) — and an image-plane
    correction of the root's 2D, ``(x, y) = (x̂ + Δx, ŷ + Δy) · z``, so the root stays consistent
    with its projection.

    Args:
        num_joints (int): J (17).
        in_channels (int): Per-joint input channels (2 coordinates + 1 score = 3).
        channels (int): Hidden width.
        num_blocks (int): Residual blocks; block i has dilation ``3 ** (i + 1)``.
        dropout (float): Dropout probability.
        depth_scale (float): Typical camera distance in metres (sets the depth head's origin for
            a typical 2D size of 0.04 normalised units).
        root_index (int): Root joint (pelvis = 0 in H36M-17).
        norm_cfg (dict): mmcv norm layer after each convolution: ``BN1d`` (VideoPose3D's),
            ``SyncBN`` for multi-GPU runs, or a per-sample norm (``dict(type='GN',
            num_groups=8)``), whose training does not depend on how a batch is split over
            processes (CPU distributed runs: torch's SyncBatchNorm needs a GPU).
        init_cfg (dict, optional): MMEngine init config.

    Shapes:
        keypoints_2d ``(B, T, J, 2)`` normalised camera coordinates, scores ``(B, T, J)`` →
        ``(B, T, J, 3)`` metres.
    """

    def __init__(self, num_joints: int = 17, in_channels: int = 3, channels: int = 256,
                 num_blocks: int = 3, dropout: float = 0.1, depth_scale: float = 10.0,
                 root_index: int = 0, norm_cfg: dict = dict(type='BN1d'),
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        self.num_joints, self.in_channels = num_joints, in_channels
        self.depth_scale, self.root_index = depth_scale, root_index
        self.expand = nn.Conv1d(num_joints * in_channels + 3, channels, 3, bias=False)
        self.expand_bn = build_norm_layer(norm_cfg, channels)[1]
        self.blocks = nn.ModuleList(
            [_TemporalBlock(channels, 3 ** (i + 1), dropout, norm_cfg) for i in range(num_blocks)])
        self.pose_head = nn.Conv1d(channels, num_joints * 3, 1)
        self.root_head = nn.Conv1d(channels, 3, 1)
        # small pose head: start near the zero pose instead of metre-scale random outputs
        # (converges ~2x faster on SynthGym)
        nn.init.normal_(self.pose_head.weight, std=1e-3)
        nn.init.zeros_(self.pose_head.bias)
        nn.init.zeros_(self.root_head.weight)
        nn.init.zeros_(self.root_head.bias)
        self.log_body_size = nn.Parameter(torch.tensor(float(math.log(depth_scale * 0.04))))

    def forward(self, keypoints_2d: torch.Tensor, scores: Optional[torch.Tensor] = None):
        if keypoints_2d.dim() != 4 or keypoints_2d.shape[2] != self.num_joints \
                or keypoints_2d.shape[3] != 2:
            raise ValueError(f'TemporalConvLifter: keypoints_2d must be (B, T, {self.num_joints}'
                             f', 2), got {tuple(keypoints_2d.shape)}')
        b, t, j, _ = keypoints_2d.shape
        if scores is None:
            scores = keypoints_2d.new_ones(b, t, j)
        shape_2d, root_2d, size = normalise_2d(keypoints_2d, self.root_index)
        x = torch.cat([shape_2d, scores[..., None]], -1)[..., :self.in_channels]
        x = torch.cat([x.reshape(b, t, j * self.in_channels), root_2d, size.log()], -1)
        x = x.transpose(1, 2)                                            # (B, J*C + 3, T)
        x = F.relu(self.expand_bn(self.expand(F.pad(x, (1, 1), mode='replicate'))))
        for block in self.blocks:
            x = block(x)
        pose = self.pose_head(x).transpose(1, 2).reshape(b, t, j, 3)   # root-relative
        pose = pose - pose[:, :, self.root_index:self.root_index + 1]
        root = root_from_apparent_size(root_2d, size, self.root_head(x).transpose(1, 2),
                                       self.log_body_size)
        return pose + root[:, :, None]
