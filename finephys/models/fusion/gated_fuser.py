"""``LearnedGateFuser``: per-frame, per-joint gate between data-driven and physics poses."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from finephys.registry import FUSERS

from .physics_bones import PhysicsBoneLengths
from .physics_com import PhysicsCentreOfMass


@FUSERS.register_module()
class LearnedGateFuser(BaseModule):
    """``S = w · S_dd + (1 − w) · S_pp`` with ``w = σ(MLP(S_dd, S_pp, S_dd − S_pp, score))``.

    The MLP sees each joint's two estimates relative to the data-driven root, their difference
    and the joint's detection score, plus a learned joint embedding (a wrist may be trusted less
    than a hip). The gate's bias starts at ``init_bias`` (σ(0) = 0.5: the paper's plain average).

    Args:
        num_joints (int): J.
        hidden (int): MLP width.
        init_bias (float): Initial gate logit.
        missing_gate (float, optional): Gate of *missing* joints (score ≤ 0; filled by
            interpolation before lifting): 0 takes the physics poses there. None: the MLP
            decides.
        keep_physics_com (bool): Re-centre every fused frame on the physics poses' centre of
            mass (:class:`~finephys.models.fusion.physics_com.PhysicsCentreOfMass`).
        keep_physics_bones (bool): Give the fused pose the physics poses' bone lengths
            (:class:`~finephys.models.fusion.physics_bones.PhysicsBoneLengths`; constant with
            the structured solver), directions kept — applied before ``keep_physics_com``.

    Shapes: ``s_dd, s_pp (B, T, J, 3)``, ``scores (B, T, J)`` → fused ``(B, T, J, 3)`` and the
    gate ``(B, T, J)``.
    """

    def __init__(self, num_joints: int = 17, hidden: int = 64, init_bias: float = 0.0,
                 missing_gate: Optional[float] = None, keep_physics_com: bool = False,
                 keep_physics_bones: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        if missing_gate is not None and not 0.0 <= missing_gate <= 1.0:
            raise ValueError(f'LearnedGateFuser missing_gate={missing_gate}: expected in [0, 1]')
        self.missing_gate = missing_gate
        self.physics_com = PhysicsCentreOfMass(num_joints) if keep_physics_com else None
        self.physics_bones = PhysicsBoneLengths() if keep_physics_bones else None
        self.joint_embedding = nn.Embedding(num_joints, 8)
        self.mlp = nn.Sequential(nn.Linear(10 + 8, hidden), nn.GELU(), nn.Linear(hidden, 1))
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.constant_(self.mlp[-1].bias, init_bias)

    def forward(self, s_dd, s_pp, scores=None):
        b, t, j, _ = s_dd.shape
        if scores is None:
            scores = s_dd.new_ones(b, t, j)
        root = s_dd[:, :, :1]
        emb = self.joint_embedding.weight.expand(b, t, j, -1)
        x = torch.cat([s_dd - root, s_pp - root, s_dd - s_pp, scores[..., None], emb], -1)
        # the gate network runs in its weights' dtype; the blend in the poses' (float64 for a
        # whole sequence's physics)
        gate = torch.sigmoid(self.mlp(x.to(self.mlp[0].weight.dtype)))[..., 0].to(s_dd.dtype)
        if self.missing_gate is not None:
            gate = torch.where(scores <= 0, gate.new_tensor(self.missing_gate), gate)
        fused = gate[..., None] * s_dd + (1 - gate[..., None]) * s_pp
        if self.physics_bones is not None:
            fused = self.physics_bones(fused, s_pp)
        if self.physics_com is not None:
            fused = self.physics_com(fused, s_pp)
        return fused, gate
