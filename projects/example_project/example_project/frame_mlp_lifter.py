"""``FrameMLPLifter``: a per-frame MLP lifter (Martinez et al., "A simple yet effective baseline
for 3d human pose estimation", ICCV 2017) — no temporal context, a useful lower bound."""
import torch
import torch.nn as nn
from mmengine.model import BaseModule

from finephys.registry import LIFTERS


@LIFTERS.register_module()
class FrameMLPLifter(BaseModule):
    """Per-frame residual MLP from 2D (+ scores) to camera-frame 3D with the root.

    Args:
        num_joints (int): J.
        hidden (int): Width.
        num_blocks (int): Residual blocks.
        depth_scale (float): Typical camera distance, metres.

    Shapes: ``(B, T, J, 2)``, ``(B, T, J)`` → ``(B, T, J, 3)``.
    """

    def __init__(self, num_joints=17, hidden=256, num_blocks=2, depth_scale=10.0, init_cfg=None):
        super().__init__(init_cfg)
        self.num_joints, self.depth_scale = num_joints, depth_scale
        self.inp = nn.Linear(num_joints * 3, hidden)
        self.blocks = nn.ModuleList(nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(),
                                                  nn.Linear(hidden, hidden), nn.ReLU())
                                    for _ in range(num_blocks))
        self.out = nn.Linear(hidden, num_joints * 3 + 3)

    def forward(self, keypoints_2d, scores=None):
        b, t, j, _ = keypoints_2d.shape
        if scores is None:
            scores = keypoints_2d.new_ones(b, t, j)
        x = torch.relu(self.inp(torch.cat([keypoints_2d, scores[..., None]], -1).flatten(2)))
        for block in self.blocks:
            x = x + block(x)
        y = self.out(x)
        pose = y[..., :j * 3].reshape(b, t, j, 3)
        pose = pose - pose[:, :, :1]
        depth = self.depth_scale * torch.exp(y[..., -1:])
        root = torch.cat([(keypoints_2d[:, :, 0] + y[..., -3:-1]) * depth, depth], -1)
        return pose + root[:, :, None]
