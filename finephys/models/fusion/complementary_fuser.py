"""``ComplementaryFuser``: low frequencies from the lifter, high frequencies from physics."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from finephys.registry import FUSERS

from .physics_bones import PhysicsBoneLengths
from .physics_com import PhysicsCentreOfMass


@FUSERS.register_module()
class ComplementaryFuser(BaseModule):
    """``S = S_pp + LowPass(S_dd − S_pp)`` — a complementary filter.

    The two estimates fail in complementary ways: the lifter (``S_dd``) is unbiased but jittery
    frame to frame, the physics rollout (``S_pp``) is smooth and obeys the dynamics but drifts
    from its seed frames. Low-passing their difference keeps the lifter's positions at low
    frequencies and the physics' accelerations at high frequencies (``S = LP(S_dd) + HP(S_pp)``),
    the way an IMU integrator is fused with a noisy absolute sensor. The kernel is a normalised
    (sums to 1: no bias) temporal filter, initialised as a Gaussian and learnt with ``L_3D``; a
    per-joint gate (from the scores) scales the correction, so low-confidence joints lean on
    physics.

    Args:
        num_joints (int): J.
        window (int): Odd kernel length, frames.
        sigma (float): Initial Gaussian width, frames.
        learnable (bool): Learn the kernel (else fixed Gaussian).
        missing_gate (float, optional): Gate of *missing* joints (score ≤ 0: NaN in a file, not
            detected, the person lost — filled by interpolation before lifting): 0 takes the
            physics rollout there (the correction is still low-passed, so the hand-over at a
            gap's edges is smooth). None: the learnt gate decides from the score.
        keep_physics_com (bool): Re-centre every fused frame on the physics rollout's centre of
            mass (:class:`~finephys.models.fusion.physics_com.PhysicsCentreOfMass`): the pose
            about the COM is fused, the COM trajectory is the physics' (ballistic in flight
            with the structured solver).
        keep_physics_bones (bool): Give the fused pose the physics poses' bone lengths
            (:class:`~finephys.models.fusion.physics_bones.PhysicsBoneLengths`; constant with
            the structured solver), directions kept — applied before ``keep_physics_com``.

    Shapes: ``s_dd, s_pp (B, T, J, 3)``, ``scores (B, T, J)`` → ``(B, T, J, 3)`` and the
    per-joint correction gate ``(B, T, J)``.
    """

    def __init__(self, num_joints: int = 17, window: int = 9, sigma: float = 2.0,
                 learnable: bool = True, missing_gate: Optional[float] = None,
                 keep_physics_com: bool = False,
                 keep_physics_bones: bool = False, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        if window % 2 != 1 or window < 1:
            raise ValueError(f'ComplementaryFuser window={window}: expected a positive odd number')
        offsets = torch.arange(window, dtype=torch.float32) - window // 2
        logits = -0.5 * (offsets / sigma) ** 2
        self.kernel_logits = nn.Parameter(logits, requires_grad=learnable)
        # gate = sigmoid(a * score + b), initialised ≈ 1 for every joint (σ(4·s + 4) ≥ 0.98):
        # a gate below 1 lets a share of the rollout's drift through, which costs MPJPE
        self.gate_scale = nn.Parameter(torch.tensor(4.0))
        self.gate_bias = nn.Parameter(torch.tensor(4.0))
        self.joint_bias = nn.Parameter(torch.zeros(num_joints))
        if missing_gate is not None and not 0.0 <= missing_gate <= 1.0:
            raise ValueError(f'ComplementaryFuser missing_gate={missing_gate}: expected in [0, 1]')
        self.missing_gate = missing_gate
        self.physics_com = PhysicsCentreOfMass(num_joints) if keep_physics_com else None
        self.physics_bones = PhysicsBoneLengths() if keep_physics_bones else None

    def low_pass(self, x):
        """Temporal filtering of ``(B, T, J, 3)`` with replicate padding."""
        b, t, j, c = x.shape
        kernel = torch.softmax(self.kernel_logits, 0).to(x.dtype)
        r = len(kernel) // 2
        y = x.permute(0, 2, 3, 1).reshape(b * j * c, 1, t)
        y = F.conv1d(F.pad(y, (r, r), mode='replicate'), kernel.view(1, 1, -1))
        return y.reshape(b, j, c, t).permute(0, 3, 1, 2)

    def forward(self, s_dd, s_pp, scores=None):
        if scores is None:
            scores = s_dd.new_ones(s_dd.shape[:-1])
        gate = torch.sigmoid(self.gate_scale * scores + self.gate_bias + self.joint_bias)
        if self.missing_gate is not None:
            gate = torch.where(scores <= 0, gate.new_tensor(self.missing_gate), gate)
        fused = s_pp + self.low_pass(gate[..., None] * (s_dd - s_pp))
        if self.physics_bones is not None:
            fused = self.physics_bones(fused, s_pp)
        if self.physics_com is not None:
            fused = self.physics_com(fused, s_pp)
        return fused, gate
