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

    loss_name = 'mpjpe'

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

    loss_name = 'trajectory'

    def forward(self, pred, target):
        w = 1.0 / target[..., 2].abs().clamp_min(1e-3)
        return self.loss_weight * (w * torch.linalg.vector_norm(pred - target, dim=-1)).mean()


@MODELS.register_module()
class NMPJPELoss(nn.Module):
    """Scale-normalised MPJPE (MotionBERT's N-MPJPE term): per frame, the prediction is scaled
    by the least-squares factor ``s = Σ_j ⟨pred_j, target_j⟩ / Σ_j ||pred_j||²`` before the
    MPJPE, so only the shape is penalised, not the size.

    Args:
        loss_weight (float): Multiplier (MotionBERT / Skeleton-in-Context: 0.5).

    Shapes: pred/target ``(B, T, J, 3)`` (root-relative).
    """

    loss_name = 'n_mpjpe'

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred, target):
        scale = (pred * target).sum((-1, -2), keepdim=True) / \
            pred.square().sum((-1, -2), keepdim=True).clamp_min(1e-8)
        return self.loss_weight * torch.linalg.vector_norm(scale * pred - target, dim=-1).mean()


@MODELS.register_module()
class VelocityLoss(nn.Module):
    """Error of per-frame joint velocities ``mean_{b,t,j} ||Δpred_t − Δtarget_t||₂`` with
    ``Δx_t = x_{t+1} − x_t`` (MotionBERT's velocity term); zero for clips of one frame.

    Args:
        loss_weight (float): Multiplier (MotionBERT / Skeleton-in-Context: 20).

    Shapes: pred/target ``(B, T, J, 3)``.
    """

    loss_name = 'velocity'

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred, target):
        if pred.shape[1] < 2:
            return pred.sum() * 0.0
        diff = (pred[:, 1:] - pred[:, :-1]) - (target[:, 1:] - target[:, :-1])
        return self.loss_weight * torch.linalg.vector_norm(diff, dim=-1).mean()
