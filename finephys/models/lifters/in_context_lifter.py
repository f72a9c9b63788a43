"""``InContextLifter``: 2D→3D lifting by in-context learning, as Skeleton-in-Context does it.

Wang et al., "Skeleton-in-Context: Unified Skeleton Sequence Modeling with In-Context Learning",
CVPR 2024 (SiC), on MotionBERT's DSTformer (:mod:`.dstformer`). For a query of F frames:

* **prompt** = ``[P_in ; P_tgt]`` (2F frames): a (2D, 3D) pair from a pool of the task's own
  training clips — the 2D as the lifter's input, the 3D as its answer;
* **query** = ``[Q_in ; Q_tgt]`` (2F frames): the detected 2D and, as the unknown target, the
  pool's mean pose (SiC's *static* task-guided prompt, ``task_prompt='mean'``) or the mean pose
  plus a learnt per-frame offset (``'learnt'``, SiC's dynamic variant);
* prompt and query go **separately** through the first ``merge_depth`` (n1) DSTformer layers —
  the same weights, no attention between them — are merged by the element-wise mean, then pass
  ``post_merge_depth`` (n2) more layers (SiC: n1 = 2, n2 = 3);
* the answer is frames F..2F of the head plus the residual ``P_tgt − P_in + Q_in``.

Coordinates. A 2D token is ``(u, v, score)``: the frame's 2D pose centred on its root and divided
by its size (mean joint distance to the root, :func:`.root_trajectory.normalise_2d`); a 3D
token is the root-relative pose in metres divided by the pool's mean 3D body size, so 2D and 3D
are both unit-sized and, under weak perspective, ``(X, Y) ≈ (u, v)``. In the residual a 2D
token counts as ``(u, v, 0)`` — its score is an input, not a coordinate. The root trajectory is
predicted as in :class:`.TemporalConvLifter` (depth from apparent size + an image-plane offset,
so it projects onto the detected root) from the query's final features.

Prompts. A pool clip longer than the query is cropped to F frames (a random window in
training, the centred one at test), so the prompt moves at its own speed. ``'random'`` draws a
pool entry per clip (numpy's global generator in training, so
exact resume restores it; at test a generator seeded by the query's own values, so a clip gets
the same prompt whatever batch it is in); ``'nearest'`` takes the entry whose 2D looks most like
the query (root-centred, size-normalised 2D distance) — this project's extension, SiC samples
prompts at random; ``'none'`` skips the prompt branch (residual ``Q_in``): the ablation without
context. The pool lives in the lifter's buffers, so a checkpoint carries its prompts; it is
filled from the config's own training set by :class:`~finephys.engine.hooks.PromptPoolHook`,
from a pool file (``pool_file``), or with :meth:`set_prompt_pool`. Each pool entry keeps the
``source_id`` of its motion (:mod:`~finephys.datasets.clip_source`); given the queries' own
(``prompt_exclude``, from ``inputs['source_id']`` in training), no query is ever prompted with
its own motion — its prompt's 3D would be its own answer.
"""
import os.path as osp
import zlib
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.model import BaseModule

from finephys.datasets.clip_source import UNKNOWN_SOURCE
from finephys.datasets.skeleton_pool import SkeletonPool
from finephys.registry import LIFTERS
from finephys.utils.errors import UserInputError

from .dstformer import DSTformer
from .root_trajectory import normalise_2d, root_from_apparent_size

PROMPT_MODES = ('random', 'nearest', 'none')


def lift_2d_tokens(tokens_2d: torch.Tensor) -> torch.Tensor:
    """2D tokens ``(…, 3)`` = (u, v, score) as 3D coordinates ``(u, v, 0)`` for the residual."""
    return torch.cat([tokens_2d[..., :2], torch.zeros_like(tokens_2d[..., 2:])], -1)


@LIFTERS.register_module()
class InContextLifter(BaseModule):
    """Skeleton-in-Context lifter predicting camera-frame 3D **with the root trajectory**.

    Args:
        num_joints (int): J.
        dim (int): DSTformer token width (MotionBERT: 512).
        rep_dim (int): Head representation width (MotionBERT: 512).
        heads (int): Attention heads (MotionBERT: 8).
        mlp_ratio (float): MLP width / dim (MotionBERT: 4).
        merge_depth (int): n1, layers run on prompt and query separately (SiC: 2).
        post_merge_depth (int): n2, layers after the merge (SiC: 3).
        max_frames (int): Longest query F (the token sequence is 2F frames).
        task_prompt (str): The query's target part: ``'mean'`` (the pool's mean pose, static)
            or ``'learnt'`` (mean pose + a learnt ``(max_frames, J, 3)`` offset).
        train_prompt (str): ``'random'``, ``'nearest'`` or ``'none'`` while training.
            ``'nearest'`` needs each training clip's ``source_id`` (``prompt_exclude``):
            without it a clip would find its own entry in the pool.
        test_prompt (str): ``'nearest'``, ``'random'`` or ``'none'`` in eval mode.
        pool_file (str, optional): A :class:`SkeletonPool` ``.npz`` loaded on first use when no
            pool is set otherwise.
        depth_scale (float): Typical camera distance, metres (the depth head's origin).
        drop (float): Dropout in the DSTformer.
        root_index (int): Root joint (pelvis = 0 in H36M-17).
        init_cfg (dict, optional): Init config.

    Shapes: ``keypoints_2d (B, F, J, 2)`` normalised camera coordinates, ``scores (B, F, J)``,
    optional explicit ``prompt`` = (2D ``(B, F, J, 2)`` normalised camera coordinates,
    root-relative 3D ``(B, F, J, 3)`` metres) → ``(B, F, J, 3)`` metres, camera frame.
    """

    #: models pass ``inputs['source_id']`` as ``prompt_exclude`` (see :meth:`forward`)
    takes_source_ids = True

    def __init__(self, num_joints: int = 17, dim: int = 64, rep_dim: int = 128, heads: int = 4,
                 mlp_ratio: float = 4.0, merge_depth: int = 2, post_merge_depth: int = 3,
                 max_frames: int = 128, task_prompt: str = 'mean',
                 train_prompt: str = 'random', test_prompt: str = 'nearest',
                 pool_file: Optional[str] = None, depth_scale: float = 10.0,
                 drop: float = 0.0, root_index: int = 0, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        for name, mode, allowed in (('train_prompt', train_prompt, PROMPT_MODES),
                                    ('test_prompt', test_prompt, PROMPT_MODES),
                                    ('task_prompt', task_prompt, ('mean', 'learnt'))):
            if mode not in allowed:
                raise ValueError(f'InContextLifter {name}={mode!r}: expected one of {allowed}')
        if merge_depth < 0 or post_merge_depth < 0 or merge_depth + post_merge_depth == 0:
            raise ValueError(f'InContextLifter: merge_depth={merge_depth}, post_merge_depth='
                             f'{post_merge_depth}: expected ≥ 0 each and ≥ 1 layer in all')
        self.num_joints, self.max_frames, self.root_index = num_joints, max_frames, root_index
        self.merge_depth = merge_depth
        self.train_prompt, self.test_prompt = train_prompt, test_prompt
        self.pool_file = pool_file
        self.backbone = DSTformer(in_channels=3, out_channels=3, num_joints=num_joints, dim=dim,
                                  rep_dim=rep_dim, depth=merge_depth + post_merge_depth,
                                  heads=heads, mlp_ratio=mlp_ratio, max_len=2 * max_frames,
                                  drop=drop)
        self.task_prompt = nn.Parameter(torch.zeros(max_frames, num_joints, 3)) \
            if task_prompt == 'learnt' else None
        # the pool and its statistics are buffers: saved with the weights, so a checkpoint
        # carries its prompts (shapes follow the checkpoint on load, see _load_from_state_dict)
        self.register_buffer('prompt_pool_2d', torch.zeros(0, 1, num_joints, 2))
        self.register_buffer('prompt_pool_3d', torch.zeros(0, 1, num_joints, 3))
        # each entry's motion (clip_source.source_id): a query never gets its own as a prompt
        self.register_buffer('prompt_pool_source', torch.zeros(0, dtype=torch.long))
        self.register_buffer('mean_pose', torch.zeros(num_joints, 3))
        self.register_buffer('body_size', torch.ones(()))
        self._pool_view = None
        self.root_head = nn.Linear(dim + 3, 3)
        nn.init.zeros_(self.root_head.weight)
        nn.init.zeros_(self.root_head.bias)
        self.log_body_size = nn.Parameter(torch.tensor(float(np.log(depth_scale * 0.04))))

    # ---------------------------------------------------------------- the prompt pool
    def has_prompt_pool(self) -> bool:
        """Whether prompts are available (set, loaded with a checkpoint, or from ``pool_file``
        — the file is read here on first call)."""
        if len(self.prompt_pool_2d) == 0 and self.pool_file and osp.isfile(self.pool_file):
            self.set_prompt_pool(SkeletonPool.load(self.pool_file))
        return len(self.prompt_pool_2d) > 0

    def needs_prompt_pool(self) -> bool:
        """True while no pool is available (even without prompts, ``'none'``, the pool's mean
        pose and body size set the query's target and the 3D token scale)."""
        return not self.has_prompt_pool()

    def set_prompt_pool(self, pool: SkeletonPool) -> None:
        """Use ``pool``'s (2D, 3D) pairs as prompts and its mean pose / mean 3D body size as the
        query's target and the 3D token scale."""
        if pool.keypoints_2d.shape[2] != self.num_joints:
            raise ValueError(f'InContextLifter: pool has {pool.keypoints_2d.shape[2]} joints, '
                             f'the lifter {self.num_joints}')
        dev = self.mean_pose.device
        self.prompt_pool_2d = torch.as_tensor(pool.keypoints_2d, device=dev)
        self.prompt_pool_3d = torch.as_tensor(pool.keypoints_3d, device=dev)
        self.prompt_pool_source = torch.as_tensor(pool.sources, dtype=torch.long, device=dev)
        mean_pose = torch.as_tensor(pool.mean_pose, dtype=torch.float32, device=dev)
        self.mean_pose.copy_(mean_pose - mean_pose[self.root_index])
        rel = self.prompt_pool_3d - self.prompt_pool_3d[:, :, self.root_index:self.root_index + 1]
        self.body_size.fill_(float(rel.norm(dim=-1).mean().clamp_min(1e-3)))
        self._pool_view = None

    @property
    def pool(self) -> Optional[SkeletonPool]:
        """The prompt pool as a :class:`SkeletonPool` (None when there is none)."""
        if not self.has_prompt_pool():
            return None
        if self._pool_view is None:
            self._pool_view = SkeletonPool(self.prompt_pool_2d.cpu().numpy(),
                                           self.prompt_pool_3d.cpu().numpy(),
                                           sources=self.prompt_pool_source.cpu().numpy())
        return self._pool_view

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # a checkpoint's pool may hold any number of clips of any length: take its shapes
        pool_2d = state_dict.get(prefix + 'prompt_pool_2d')
        if pool_2d is not None and prefix + 'prompt_pool_source' not in state_dict:
            # a checkpoint written before pools kept their sources: every source unknown
            state_dict[prefix + 'prompt_pool_source'] = torch.full(
                (len(pool_2d),), UNKNOWN_SOURCE, dtype=torch.long)
        for name in ('prompt_pool_2d', 'prompt_pool_3d', 'prompt_pool_source'):
            saved = state_dict.get(prefix + name)
            if saved is not None and saved.shape != getattr(self, name).shape:
                setattr(self, name, torch.empty_like(saved, device=self.mean_pose.device))
        self._pool_view = None
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def select_prompts(self, keypoints_2d: torch.Tensor, mode: str,
                       exclude_sources: Optional[torch.Tensor] = None) -> np.ndarray:
        """Pool indices ``(B,)`` for a query batch ``(B, F, J, 2)`` in ``mode``, never an entry
        of the query's own motion (``exclude_sources`` ``(B,)``: each query's ``source_id``,
        :mod:`~finephys.datasets.clip_source`; None or -1: nothing excluded)."""
        pool = self.pool
        if pool is None:
            raise UserInputError(
                'InContextLifter: no prompt pool — add PromptPoolHook to the config (it builds '
                "one from the training set), give pool_file, or use prompt mode 'none'")
        exclude = None if exclude_sources is None else \
            torch.as_tensor(exclude_sources).detach().cpu().numpy().reshape(-1)
        if mode == 'nearest':
            return pool.nearest(keypoints_2d.detach().cpu().numpy(), exclude)
        allowed = pool.allowed(exclude)
        if self.training:
            idx = np.random.randint(0, len(pool), size=len(keypoints_2d))
            if allowed is not None:
                # redraw (numpy's global generator: exact resume) where a query drew its own
                for b in np.flatnonzero(~allowed[np.arange(len(idx)), idx]):
                    choices = np.flatnonzero(allowed[b])
                    idx[b] = choices[np.random.randint(len(choices))]
            return idx
        # eval: a generator seeded by each query's own values (same prompt in any batch)
        queries = keypoints_2d.detach().cpu().numpy().astype(np.float32)
        idx = []
        for b, q in enumerate(queries):
            rng = np.random.default_rng(zlib.crc32(q.tobytes()))
            choices = np.arange(len(pool)) if allowed is None else np.flatnonzero(allowed[b])
            idx.append(choices[rng.integers(len(choices))])
        return np.array(idx)

    def prompt_mode(self) -> str:
        """The prompt mode in effect (train or test mode)."""
        return self.train_prompt if self.training else self.test_prompt

    # ---------------------------------------------------------------- tokens and streams
    def query_target(self, batch: int, frames: int) -> torch.Tensor:
        """The query's target part ``(B, F, J, 3)`` in 3D token units."""
        target = (self.mean_pose / self.body_size).expand(frames, -1, -1)
        if self.task_prompt is not None:
            target = target + self.task_prompt[:frames]
        return target.expand(batch, -1, -1, -1)

    def input_tokens(self, keypoints_2d: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """2D tokens ``(B, F, J, 3)``: root-centred, size-normalised (u, v) and score."""
        shape_2d, _, _ = normalise_2d(keypoints_2d, self.root_index)
        return torch.cat([shape_2d, scores[..., None]], -1)

    def target_tokens(self, keypoints_3d: torch.Tensor) -> torch.Tensor:
        """Root-relative 3D metres ``(B, F, J, 3)`` → 3D tokens (÷ the pool's body size)."""
        r = self.root_index
        return (keypoints_3d - keypoints_3d[:, :, r:r + 1]) / self.body_size

    def encode_streams(self, prompt_seq: torch.Tensor,
                       query_seq: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """The first ``merge_depth`` layers, prompt and query as separate sequences of one
        batch (attention never crosses sequences; LayerNorm is per token).

        Shapes: ``(B, 2F, J, 3)`` each → features ``(B, 2F, J, C)`` each.
        """
        b = len(query_seq)
        x = self.backbone.embed(torch.cat([prompt_seq, query_seq], 0))
        for layer in self.backbone.layers[:self.merge_depth]:
            x = layer(x)
        return x[:b], x[b:]

    def forward(self, keypoints_2d: torch.Tensor, scores: Optional[torch.Tensor] = None,
                prompt: Optional[tuple] = None,
                prompt_exclude: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Lift a 2D clip; ``prompt`` overrides the pool with an explicit (2D, 3D) pair;
        ``prompt_exclude`` ``(B,)``: each query's ``source_id``, never prompted with its own
        motion (training data packs it as ``inputs['source_id']``)."""
        if keypoints_2d.dim() != 4 or keypoints_2d.shape[2] != self.num_joints or \
                keypoints_2d.shape[3] != 2:
            raise ValueError(f'InContextLifter: keypoints_2d must be (B, T, {self.num_joints}, 2)'
                             f', got {tuple(keypoints_2d.shape)}')
        b, t, j, _ = keypoints_2d.shape
        if t > self.max_frames:
            raise ValueError(f'InContextLifter: T={t} exceeds max_frames={self.max_frames}')
        if scores is None:
            scores = keypoints_2d.new_ones(b, t, j)
        mode = self.prompt_mode()
        if self.training and mode == 'nearest' and prompt is None and prompt_exclude is None:
            raise UserInputError(
                "InContextLifter train_prompt='nearest' needs each training clip's source_id "
                "(add 'source_id' to PackSkeletonInputs' input_keys): without it a clip is "
                'prompted with its own pool entry, its own answer')
        if prompt is None and mode != 'none':
            idx = self.select_prompts(keypoints_2d, mode, prompt_exclude)
            # training: a random window of a longer pool clip (more distinct prompts); eval:
            # the centred window
            span = self.prompt_pool_2d.shape[1] - t
            offsets = np.random.randint(0, span + 1, size=b) if self.training and span > 0 \
                else None
            p2d, p3d = (torch.as_tensor(a, dtype=keypoints_2d.dtype, device=keypoints_2d.device)
                        for a in self.pool.prompts(t, idx, offsets))
            prompt = (p2d, p3d)
        r = self.root_index
        shape_2d, root_2d, size = normalise_2d(keypoints_2d, r)
        q_in = torch.cat([shape_2d, scores[..., None]], -1)           # = input_tokens(...)
        query_seq = torch.cat([q_in, self.query_target(b, t).to(q_in.dtype)], 1)
        if prompt is not None:
            p_in = self.input_tokens(prompt[0], torch.ones_like(scores))
            p_tgt = self.target_tokens(prompt[1].to(q_in.dtype))
            prompt_feat, query_feat = self.encode_streams(torch.cat([p_in, p_tgt], 1), query_seq)
            x = 0.5 * (prompt_feat + query_feat)
            residual = p_tgt - lift_2d_tokens(p_in) + lift_2d_tokens(q_in)
        else:
            x = self.backbone.embed(query_seq)
            for layer in self.backbone.layers[:self.merge_depth]:
                x = layer(x)
            residual = lift_2d_tokens(q_in)
        for layer in self.backbone.layers[self.merge_depth:]:
            x = layer(x)
        x = x[:, t:]                                                   # the query's target part
        pose = (self.backbone.head(x) + residual) * self.body_size
        pose = pose - pose[:, :, r:r + 1]
        frame_feat = torch.cat([x.mean(2), root_2d, size.log()], -1)
        root = root_from_apparent_size(root_2d, size, self.root_head(frame_feat),
                                       self.log_body_size)
        return pose + root[:, :, None]
