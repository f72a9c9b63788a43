"""``DSTformer``: MotionBERT's dual-stream spatio-temporal transformer, written for finephys.

Zhu et al., "MotionBERT: A Unified Perspective on Learning Human Motion Representations",
ICCV 2023. Tokens are joints of frames, ``(B, L, J, C)``. Each of the ``depth`` layers runs two
streams with separate weights on the same input:

* spatial → temporal: attention + MLP over the J joints of each frame, then over the L frames
  of each joint;
* temporal → spatial: the same two sub-blocks in the other order;

and fuses them per token with ``α = softmax(Linear(2C → 2)([x_st, x_ts]))``, initialised to
``(0.5, 0.5)`` (zero weight, equal bias). Sub-blocks are pre-norm (LayerNorm → attention or
MLP → residual) with MLP ratio 4 and GELU. Input: ``Linear(C_in → C)`` + a learnt joint embedding
+ a learnt time embedding; output head: ``LayerNorm → Linear(C → C_rep) + tanh → Linear(C_rep →
C_out)``.

The layer structure and parameter shapes are MotionBERT's, so a MotionBERT checkpoint maps onto
this module name for name (``tools/model_converters/motionbert_to_finephys.py``); the code is
this project's own.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


class AxisSelfAttention(nn.Module):
    """Multi-head self-attention over the second axis of ``(N, L, C)`` tokens.

    Args:
        dim (int): C.
        heads (int): Heads (C must be divisible by it); scores scaled by ``(C / heads)^-0.5``.
        attn_drop (float): Dropout on the attention weights (training only).
        proj_drop (float): Dropout after the output projection.
    """

    def __init__(self, dim: int, heads: int, attn_drop: float = 0.0, proj_drop: float = 0.0):
        super().__init__()
        if dim % heads:
            raise ValueError(f'AxisSelfAttention: dim={dim} is not divisible by heads={heads}')
        self.heads, self.attn_drop = heads, attn_drop
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, length, c = x.shape
        q, k, v = self.qkv(x).reshape(n, length, 3, self.heads, c // self.heads).permute(
            2, 0, 3, 1, 4)                                           # 3 × (N, heads, L, c/h)
        out = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.attn_drop if self.training else 0.0)
        return self.proj_drop(self.proj(out.transpose(1, 2).reshape(n, length, c)))


class AxisTransformerLayer(nn.Module):
    """Pre-norm attention + MLP over one token axis of ``(B, L, J, C)``.

    Args:
        dim (int): C.
        heads (int): Attention heads.
        axis (str): ``'spatial'`` (over the J joints of each frame) or ``'temporal'`` (over the
            L frames of each joint).
        mlp_ratio (float): MLP hidden width / C (MotionBERT: 4).
        drop (float): Dropout after the attention projection and in the MLP.
        attn_drop (float): Dropout on attention weights.
    """

    def __init__(self, dim: int, heads: int, axis: str, mlp_ratio: float = 4.0,
                 drop: float = 0.0, attn_drop: float = 0.0):
        super().__init__()
        if axis not in ('spatial', 'temporal'):
            raise ValueError(f"AxisTransformerLayer axis={axis!r}: expected 'spatial' or "
                             "'temporal'")
        self.axis = axis
        hidden = int(dim * mlp_ratio)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = AxisSelfAttention(dim, heads, attn_drop, drop)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(drop),
                                 nn.Linear(hidden, dim), nn.Dropout(drop))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, length, j, c = x.shape
        y = x.reshape(b * length, j, c) if self.axis == 'spatial' else \
            x.transpose(1, 2).reshape(b * j, length, c)
        y = y + self.attn(self.norm1(y))
        y = y + self.mlp(self.norm2(y))
        if self.axis == 'spatial':
            return y.reshape(b, length, j, c)
        return y.reshape(b, j, length, c).transpose(1, 2)


class DSTformerStream(nn.Module):
    """One stream of a DSTformer layer: a spatial and a temporal sub-block in ``order``.

    Args:
        order (str): ``'st'`` (spatial then temporal) or ``'ts'``.
        Other args as :class:`AxisTransformerLayer`.
    """

    def __init__(self, dim: int, heads: int, order: str, mlp_ratio: float = 4.0,
                 drop: float = 0.0, attn_drop: float = 0.0):
        super().__init__()
        if order not in ('st', 'ts'):
            raise ValueError(f"DSTformerStream order={order!r}: expected 'st' or 'ts'")
        self.order = order
        self.spatial = AxisTransformerLayer(dim, heads, 'spatial', mlp_ratio, drop, attn_drop)
        self.temporal = AxisTransformerLayer(dim, heads, 'temporal', mlp_ratio, drop, attn_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.order == 'st':
            return self.temporal(self.spatial(x))
        return self.spatial(self.temporal(x))


class DSTformerLayer(nn.Module):
    """Both streams on the same input, fused per token by learnt weights α (start: 0.5, 0.5).

    Shapes: ``(B, L, J, C)`` → ``(B, L, J, C)``.
    """

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0, drop: float = 0.0,
                 attn_drop: float = 0.0):
        super().__init__()
        self.st = DSTformerStream(dim, heads, 'st', mlp_ratio, drop, attn_drop)
        self.ts = DSTformerStream(dim, heads, 'ts', mlp_ratio, drop, attn_drop)
        self.fusion = nn.Linear(2 * dim, 2)
        self.reset_fusion()

    def reset_fusion(self) -> None:
        """α = (0.5, 0.5) for any input: zero weight and equal biases (MotionBERT's start)."""
        nn.init.zeros_(self.fusion.weight)
        nn.init.zeros_(self.fusion.bias)

    def stream_weights(self, x_st: torch.Tensor, x_ts: torch.Tensor) -> torch.Tensor:
        """α ``(B, L, J, 2)`` for the two streams' outputs."""
        return torch.softmax(self.fusion(torch.cat([x_st, x_ts], -1)), -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_st, x_ts = self.st(x), self.ts(x)
        alpha = self.stream_weights(x_st, x_ts)
        return alpha[..., :1] * x_st + alpha[..., 1:] * x_ts


class DSTformerHead(nn.Module):
    """``LayerNorm → Linear(C → C_rep) + tanh → Linear(C_rep → C_out)`` (MotionBERT's)."""

    def __init__(self, dim: int, rep_dim: int, out_channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.pre_logits = nn.Linear(dim, rep_dim)
        self.out = nn.Linear(rep_dim, out_channels)

    def representation(self, x: torch.Tensor) -> torch.Tensor:
        """``(…, C)`` → the tanh representation ``(…, C_rep)``."""
        return torch.tanh(self.pre_logits(self.norm(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.representation(x))


class DSTformer(nn.Module):
    """MotionBERT's DSTformer: embedding, ``depth`` dual-stream layers, head.

    Args:
        in_channels (int): Per-joint input channels (MotionBERT: 2D + confidence = 3).
        out_channels (int): Per-joint output channels (3).
        num_joints (int): J.
        dim (int): Token width C (MotionBERT: 512; its "lite" model 256).
        rep_dim (int): Head representation width (MotionBERT: 512).
        depth (int): Dual-stream layers (MotionBERT: 5).
        heads (int): Attention heads (MotionBERT: 8).
        mlp_ratio (float): MLP width / C (MotionBERT: 4).
        max_len (int): Longest token sequence in frames (time-embedding table; MotionBERT: 243).
        drop (float): Dropout in attention projections and MLPs.
        attn_drop (float): Dropout on attention weights.

    Shapes: ``forward(x (B, L, J, C_in))`` → ``(B, L, J, C_out)``.
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 3, num_joints: int = 17,
                 dim: int = 512, rep_dim: int = 512, depth: int = 5, heads: int = 8,
                 mlp_ratio: float = 4.0, max_len: int = 243, drop: float = 0.0,
                 attn_drop: float = 0.0):
        super().__init__()
        self.num_joints, self.max_len, self.dim = num_joints, max_len, dim
        self.joint_embed = nn.Linear(in_channels, dim)
        self.joint_pos_embed = nn.Parameter(torch.zeros(1, 1, num_joints, dim))
        self.time_pos_embed = nn.Parameter(torch.zeros(1, max_len, 1, dim))
        self.embed_drop = nn.Dropout(drop)
        self.layers = nn.ModuleList(DSTformerLayer(dim, heads, mlp_ratio, drop, attn_drop)
                                    for _ in range(depth))
        self.head = DSTformerHead(dim, rep_dim, out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """MotionBERT's initialisation: truncated normal (std 0.02) linear weights and
        embeddings, zero biases, unit LayerNorms; stream fusion α = (0.5, 0.5)."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.trunc_normal_(self.joint_pos_embed, std=0.02)
        nn.init.trunc_normal_(self.time_pos_embed, std=0.02)
        for layer in self.layers:
            layer.reset_fusion()

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, L, J, C_in)`` → tokens ``(B, L, J, C)`` (input projection + joint and time
        embeddings)."""
        length = x.shape[1]
        if length > self.max_len:
            raise ValueError(f'DSTformer: sequence of {length} frames exceeds max_len='
                             f'{self.max_len}')
        return self.embed_drop(self.joint_embed(x) + self.joint_pos_embed
                               + self.time_pos_embed[:, :length])

    def forward(self, x: torch.Tensor, num_layers: Optional[int] = None) -> torch.Tensor:
        """Embedding, the first ``num_layers`` layers (all by default), head."""
        x = self.embed(x)
        for layer in self.layers[:num_layers]:
            x = layer(x)
        return self.head(x)
