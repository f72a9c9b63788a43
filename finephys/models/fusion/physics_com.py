"""Fusion that keeps the physics' centre of mass: the body's shape is fused, its COM trajectory
is the physics rollout's.

A per-joint blend ``S = w S_dd + (1 − w) S_pp`` (or a low-pass correction) moves the COM of
``S`` off the COM of ``S_pp`` — with the structured solver, off an exact parabola in flight. Re-
centring each frame on the physics COM,

    S' = S − COM(S) + COM(S_pp),      COM(X)_t = Σ_j m_j X_tj / Σ_j m_j,

keeps everything the fusion did to the pose about the COM (root-relative MPJPE is unchanged: the
shift is the same for every joint of a frame) and makes ``COM(S') = COM(S_pp)`` exactly, so the
fused output is ballistic wherever the physics is.
"""
import torch
import torch.nn as nn

from finephys.structures.anthropometry import joint_mass_fractions


def centre_of_mass(poses: torch.Tensor, mass_fractions: torch.Tensor) -> torch.Tensor:
    """``(B, T, J, 3)`` → ``(B, T, 1, 3)`` mass-weighted mean of the joints."""
    w = mass_fractions.to(poses.dtype)
    w = w / w.sum()                   # normalised in the poses' dtype, as the solver's masses
    return torch.einsum('j,btjc->btc', w, poses)[:, :, None]


class PhysicsCentreOfMass(nn.Module):
    """``S' = S − COM(S) + COM(S_pp)`` with de Leva's joint masses (the table SynthGym's bodies
    and ``StructuredPhysicsSolver`` use). No parameters and a non-persistent buffer: switching it
    on keeps a fuser's checkpoint keys."""

    def __init__(self, num_joints: int = 17):
        super().__init__()
        fractions = torch.as_tensor(joint_mass_fractions(), dtype=torch.float32)
        if len(fractions) != num_joints:
            raise ValueError(f'PhysicsCentreOfMass: de Leva masses are for {len(fractions)} '
                             f'H36M-17 joints, the fuser has num_joints={num_joints}')
        self.register_buffer('mass_fractions', fractions, persistent=False)

    def forward(self, fused: torch.Tensor, s_pp: torch.Tensor) -> torch.Tensor:
        return (fused - centre_of_mass(fused, self.mass_fractions)
                + centre_of_mass(s_pp, self.mass_fractions))
