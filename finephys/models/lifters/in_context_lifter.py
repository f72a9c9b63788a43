"""``InContextLifter``: Skeleton-in-Context style 2D→3D lifting with a prompt pair from a pool.

Sequence layout (Wang et al., "Skeleton-in-Context: Unified Skeleton Sequence Modeling with
In-Context Learning", CVPR 2024): the prompt pair (2D, 3D) and the query pair (detected 2D,
dataset-mean 3D placeholder) are concatenated along time — ``[prompt ; query]``, ``2T`` frames —
each token = embedding of its 2D + embedding of its 3D. A dual-stream spatio-temporal transformer
(stream 1: spatial then temporal attention; stream 2: temporal then spatial; fused per token by
learned weights, as in MotionBERT) maps them to 3D; the query half is the answer.
"""
import math
from typing import Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from finephys.datasets.skeleton_pool import SkeletonPool
from finephys.registry import LIFTERS

from .root_trajectory import normalise_2d, root_from_apparent_size


class _Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):                                     # (N, L, C)
        n, length, c = x.shape
        q, k, v = self.qkv(x).reshape(n, length, 3, self.heads, c // self.heads).permute(
            2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v)         # (N, heads, L, C/heads)
        return self.proj(out.transpose(1, 2).reshape(n, length, c))


class _Block(nn.Module):
    """Pre-norm attention + MLP over one axis: ``'spatial'`` (joints) or ``'temporal'`` (frames)."""

    def __init__(self, dim, heads, axis):
        super().__init__()
        self.axis = axis
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = _Attention(dim, heads)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):                                     # (B, T, J, C)
        b, t, j, c = x.shape
        if self.axis == 'spatial':
            y = x.reshape(b * t, j, c)
        else:
            y = x.transpose(1, 2).reshape(b * j, t, c)
        y = y + self.attn(self.norm1(y))
        y = y + self.mlp(self.norm2(y))
        if self.axis == 'spatial':
            return y.reshape(b, t, j, c)
        return y.reshape(b, j, t, c).transpose(1, 2)


class _DualStreamLayer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.st = nn.Sequential(_Block(dim, heads, 'spatial'), _Block(dim, heads, 'temporal'))
        self.ts = nn.Sequential(_Block(dim, heads, 'temporal'), _Block(dim, heads, 'spatial'))
        self.fuse = nn.Linear(2 * dim, 2)

    def forward(self, x):
        a, b = self.st(x), self.ts(x)
        alpha = torch.softmax(self.fuse(torch.cat([a, b], -1)), -1)
        return alpha[..., :1] * a + alpha[..., 1:] * b


@LIFTERS.register_module()
class InContextLifter(BaseModule):
    """In-context 2D→3D lifter predicting camera-frame 3D **with the root trajectory**.

    2D input is normalised as in :class:`TemporalConvLifter` (root-centred, divided by its size);
    the root is predicted as depth from apparent size plus an image-plane offset, so the output
    projects back onto the input.

    Args:
        num_joints (int): J.
        dim (int): Token width.
        depth (int): Dual-stream layers.
        heads (int): Attention heads.
        max_frames (int): Longest query (positional table size; the sequence is 2× this).
        pool_file (str, optional): Skeleton pool ``.npz`` (see :mod:`finephys.datasets.
            skeleton_pool`). When it does not exist and ``pool_dataset`` is given, the pool is
            built from that dataset on first use and saved there.
        pool_dataset (dict, optional): DATASETS config the pool is built from (e.g. SynthGym's
            train split); ``pool_size`` clips, cut to ``pool_clip_len`` frames.
        pool_size (int): Pool entries to build.
        pool_clip_len (int, optional): Frames per pool entry.
        Without any pool the prompt is the mean pose (and zero 2D).
        train_prompt (str): ``'random'`` prompts while training.
        test_prompt (str): ``'nearest'`` (by 2D shape) or ``'random'`` at inference.
        depth_scale (float): Typical camera distance, metres (depth head's origin).
        init_cfg (dict, optional): Init config.

    Shapes: ``keypoints_2d (B, T, J, 2)`` normalised camera coordinates, ``scores (B, T, J)`` →
    ``(B, T, J, 3)``.
    """

    def __init__(self, num_joints: int = 17, dim: int = 64, depth: int = 2, heads: int = 4,
                 max_frames: int = 256, pool_file: Optional[str] = None,
                 pool_dataset: Optional[dict] = None, pool_size: int = 128,
                 pool_clip_len: Optional[int] = None,
                 train_prompt: str = 'random', test_prompt: str = 'nearest',
                 depth_scale: float = 10.0, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        for name, mode in (('train_prompt', train_prompt), ('test_prompt', test_prompt)):
            if mode not in ('random', 'nearest'):
                raise ValueError(f"InContextLifter {name}={mode!r}: expected 'random' or 'nearest'")
        if dim % heads:
            raise ValueError(f'InContextLifter: dim={dim} is not divisible by heads={heads}')
        self.num_joints, self.max_frames = num_joints, max_frames
        self.train_prompt, self.test_prompt = train_prompt, test_prompt
        self.pool_file, self.pool_dataset = pool_file, pool_dataset
        self.pool_size, self.pool_clip_len = pool_size, pool_clip_len
        self._pool = None
        # the mean pose is saved with the weights (a checkpoint works without the pool file)
        self.register_buffer('mean_pose', torch.zeros(num_joints, 3))
        self.register_buffer('mean_pose_ready', torch.zeros((), dtype=torch.bool))
        self.embed_2d = nn.Linear(3, dim)          # scaled 2D + score
        self.embed_3d = nn.Linear(3, dim)
        self.joint_pos = nn.Parameter(torch.zeros(1, 1, num_joints, dim))
        self.time_pos = nn.Parameter(torch.zeros(1, 2 * max_frames, 1, dim))
        self.segment = nn.Parameter(torch.zeros(2, dim))   # prompt / query
        nn.init.trunc_normal_(self.joint_pos, std=0.02)
        nn.init.trunc_normal_(self.time_pos, std=0.02)
        self.layers = nn.ModuleList(_DualStreamLayer(dim, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.pose_head = nn.Linear(dim, 3)
        self.root_head = nn.Linear(dim + 3, 3)
        nn.init.zeros_(self.root_head.weight)
        nn.init.zeros_(self.root_head.bias)
        self.log_body_size = nn.Parameter(torch.tensor(math.log(depth_scale * 0.04)))

    @property
    def pool(self) -> Optional[SkeletonPool]:
        """The prompt pool, loaded or built on first use (building a model stays cheap)."""
        if self._pool is None and (self.pool_file or self.pool_dataset):
            import os.path as osp
            if self.pool_file and osp.isfile(self.pool_file):
                self._pool = SkeletonPool.load(self.pool_file)
            elif self.pool_dataset is not None:
                from finephys.registry import DATASETS
                dataset = DATASETS.build(self.pool_dataset)
                self._pool = SkeletonPool.from_dataset(dataset, self.pool_size,
                                                       self.pool_clip_len)
                if self.pool_file:
                    self._pool.save(self.pool_file)
            else:
                raise FileNotFoundError(f'InContextLifter: pool_file {self.pool_file} not found '
                                        'and no pool_dataset to build it from')
            if not bool(self.mean_pose_ready):
                self.mean_pose.copy_(torch.as_tensor(self._pool.mean_pose))
                self.mean_pose_ready.fill_(True)
        return self._pool

    def _prompts(self, keypoints_2d):
        b, t = keypoints_2d.shape[:2]
        dev = keypoints_2d.device
        pool = self.pool
        if pool is None or len(pool) == 0:
            return (torch.zeros_like(keypoints_2d),
                    self.mean_pose.expand(b, t, -1, -1).to(keypoints_2d.dtype))
        mode = self.train_prompt if self.training else self.test_prompt
        if mode == 'random':
            idx = np.random.randint(0, len(pool), size=b)
        else:
            idx = pool.nearest(keypoints_2d.detach().cpu().numpy())
        p2, p3 = pool.prompts(t, idx)
        return (torch.as_tensor(p2, dtype=keypoints_2d.dtype, device=dev),
                torch.as_tensor(p3, dtype=keypoints_2d.dtype, device=dev))

    def forward(self, keypoints_2d: torch.Tensor, scores: Optional[torch.Tensor] = None,
                prompt: Optional[tuple] = None):
        """Args: ``prompt`` = optional explicit ``(2D (B, T, J, 2), 3D (B, T, J, 3))`` pair."""
        if keypoints_2d.dim() != 4 or keypoints_2d.shape[2] != self.num_joints or \
                keypoints_2d.shape[3] != 2:
            raise ValueError(f'InContextLifter: keypoints_2d must be (B, T, {self.num_joints}, 2)'
                             f', got {tuple(keypoints_2d.shape)}')
        b, t, j, _ = keypoints_2d.shape
        if t > self.max_frames:
            raise ValueError(f'InContextLifter: T={t} exceeds max_frames={self.max_frames}')
        if scores is None:
            scores = keypoints_2d.new_ones(b, t, j)
        p2d, p3d = prompt if prompt is not None else self._prompts(keypoints_2d)
        q_norm, root_2d, size = normalise_2d(keypoints_2d)
        p_norm, _, _ = normalise_2d(p2d)
        tok_2d = self.embed_2d(torch.cat([torch.cat([p_norm, q_norm], 1),
                                          torch.cat([torch.ones_like(scores), scores], 1)[..., None]],
                                         -1))
        target = torch.cat([p3d, self.mean_pose.to(p3d.dtype).expand(b, t, j, 3)], 1)
        x = tok_2d + self.embed_3d(target) + self.joint_pos + self.time_pos[:, :2 * t]
        seg = torch.cat([self.segment[0].expand(t, -1), self.segment[1].expand(t, -1)], 0)
        x = x + seg[None, :, None]
        for layer in self.layers:
            x = layer(x)
        x = self.norm(x)[:, t:]                                          # query half
        pose = self.pose_head(x) + self.mean_pose
        pose = pose - pose[:, :, :1]
        frame_feat = torch.cat([x.mean(2), root_2d, size.log()], -1)
        root = root_from_apparent_size(root_2d, size, self.root_head(frame_feat),
                                       self.log_body_size)
        return pose + root[:, :, None]
