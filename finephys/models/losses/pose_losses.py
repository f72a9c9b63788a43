"""Losses on 3D pose sequences."""
import torch
import torch.nn as nn

from finephys.registry import MODELS


@MODELS.register_module()
class MPJPELoss(nn.Module):
    """Mean per-joint position error ``mean_{b,t,j} ||pred − target||₂`` (optionally weighted).

    Args:
        loss_weight (float): Multiplier.

    Shapes: pred/target ``(B, T, J, 3)``, weight ``(B, T, J)`` optional.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None):
        err = torch.linalg.vector_norm(pred - target, dim=-1)
        if weight is not None:
            return self.loss_weight * (err * weight).sum() / weight.sum().clamp_min(1e-6)
        return self.loss_weight * err.mean()


@MODELS.register_module()
class RootTrajectoryLoss(nn.Module):
    """Root trajectory error weighted by inverse depth (VideoPose3D's trajectory loss): far
    roots are harder to place and should not dominate.

    Shapes: pred/target ``(B, T, 3)``.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred, target):
        w = 1.0 / target[..., 2].abs().clamp_min(1e-3)
        return self.loss_weight * (w * torch.linalg.vector_norm(pred - target, dim=-1)).mean()
