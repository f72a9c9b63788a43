"""``TemporalConvLifter``: dilated temporal convolutions from 2D to 3D (VideoPose3D-like)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from finephys.registry import LIFTERS


class _TemporalBlock(nn.Module):
    """Residual block: dilated conv (k=3) → BN → ReLU → dropout → 1×1 conv → BN → ReLU."""

    def __init__(self, channels, dilation, dropout):
        super().__init__()
        self.dilation = dilation
        self.conv = nn.Conv1d(channels, channels, 3, dilation=dilation, bias=False)
        self.bn = nn.BatchNorm1d(channels)
        self.pointwise = nn.Conv1d(channels, channels, 1, bias=False)
        self.bn2 = nn.BatchNorm1d(channels)
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

    The root is predicted as a depth ``z = depth_scale · exp(δ)`` and an image-plane correction
    of the root's normalised 2D, ``(x, y) = (x̂ + Δx, ŷ + Δy) · z`` — so the root stays consistent
    with its projection and depth is learnt from apparent size.

    Args:
        num_joints (int): J (17).
        in_channels (int): Per-joint input channels (2 coordinates + 1 score = 3).
        channels (int): Hidden width.
        num_blocks (int): Residual blocks; block i has dilation ``3 ** (i + 1)``.
        dropout (float): Dropout probability.
        depth_scale (float): Typical camera distance in metres (sets the depth head's origin).
        root_index (int): Root joint (pelvis = 0 in H36M-17).
        init_cfg (dict, optional): MMEngine init config.

    Shapes:
        keypoints_2d ``(B, T, J, 2)`` normalised camera coordinates, scores ``(B, T, J)`` →
        ``(B, T, J, 3)`` metres.
    """

    def __init__(self, num_joints: int = 17, in_channels: int = 3, channels: int = 256,
                 num_blocks: int = 3, dropout: float = 0.1, depth_scale: float = 10.0,
                 root_index: int = 0, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        self.num_joints, self.in_channels = num_joints, in_channels
        self.depth_scale, self.root_index = depth_scale, root_index
        self.expand = nn.Conv1d(num_joints * in_channels, channels, 3, bias=False)
        self.expand_bn = nn.BatchNorm1d(channels)
        self.blocks = nn.ModuleList(
            [_TemporalBlock(channels, 3 ** (i + 1), dropout) for i in range(num_blocks)])
        self.pose_head = nn.Conv1d(channels, num_joints * 3, 1)
        self.root_head = nn.Conv1d(channels, 3, 1)
        nn.init.zeros_(self.root_head.weight)
        nn.init.zeros_(self.root_head.bias)

    def forward(self, keypoints_2d: torch.Tensor, scores: Optional[torch.Tensor] = None):
        if keypoints_2d.dim() != 4 or keypoints_2d.shape[2] != self.num_joints \
                or keypoints_2d.shape[3] != 2:
            raise ValueError(f'TemporalConvLifter: keypoints_2d must be (B, T, {self.num_joints}'
                             f', 2), got {tuple(keypoints_2d.shape)}')
        b, t, j, _ = keypoints_2d.shape
        if scores is None:
            scores = keypoints_2d.new_ones(b, t, j)
        x = torch.cat([keypoints_2d, scores[..., None]], -1)[..., :self.in_channels]
        x = x.reshape(b, t, j * self.in_channels).transpose(1, 2)      # (B, J*C, T)
        x = F.relu(self.expand_bn(self.expand(F.pad(x, (1, 1), mode='replicate'))))
        for block in self.blocks:
            x = block(x)
        pose = self.pose_head(x).transpose(1, 2).reshape(b, t, j, 3)   # root-relative
        pose = pose - pose[:, :, self.root_index:self.root_index + 1]
        root_out = self.root_head(x).transpose(1, 2)                    # (B, T, 3)
        depth = self.depth_scale * torch.exp(root_out[..., 2:3])
        xy = (keypoints_2d[:, :, self.root_index] + root_out[..., :2]) * depth
        root = torch.cat([xy, depth], -1)
        return pose + root[:, :, None]
