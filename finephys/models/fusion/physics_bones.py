"""Fusion that keeps the physics' bone lengths: the fused pose's bones are given the lengths of
the physics poses (constant over the clip with the structured solver), their directions kept.

A per-joint blend of two skeletons with different bone lengths — ``S_dd``'s vary frame to
frame, ``S_pp``'s are constant — has bones that vary with the blend weight, so a fused clip can
vary more than either input. Rebuilding the fused pose from the root down the tree,

    S'_child = S'_parent + ℓ_pp(child) · (S_child − S_parent) / ||S_child − S_parent||,

with ``ℓ_pp`` the physics poses' median bone lengths (left/right averaged), gives the fused
clip the physics' constant bones exactly; every bone keeps the fused direction.
"""
import torch
import torch.nn as nn

from finephys.models.physics.structured_dynamics import bone_lengths, rigidify


class PhysicsBoneLengths(nn.Module):
    """``S' = rigidify(S, lengths = bone_lengths(S_pp))`` (no parameters: switching it on keeps a
    fuser's checkpoint keys). Shapes: ``fused, s_pp (B, T, J, 3)`` (H36M-17) → ``(B, T, J, 3)``,
    root unchanged."""

    def forward(self, fused: torch.Tensor, s_pp: torch.Tensor) -> torch.Tensor:
        return rigidify(fused, lengths=bone_lengths(s_pp))
