"""Projection of camera-frame 3D to 2D with the sample's camera (torch; the numpy twin is
:func:`finephys.structures.camera_to_pixels`)."""
import torch


def project_points(points, intrinsics=None):
    """Pinhole projection.

    Args:
        points: ``(B, T, J, 3)`` camera frame (Z forward, metres).
        intrinsics: ``(B, T, 3, 3)`` or ``(B, 3, 3)`` K; None returns normalised coordinates
            ``(X/Z, Y/Z)``.

    Returns:
        Tensor: ``(B, T, J, 2)`` pixels (or normalised coordinates).
    """
    xy = points[..., :2] / points[..., 2:3].clamp_min(1e-3)
    if intrinsics is None:
        return xy
    k = intrinsics if intrinsics.dim() == 4 else intrinsics[:, None]
    f = torch.stack([k[..., 0, 0], k[..., 1, 1]], -1)[:, :, None]
    c = torch.stack([k[..., 0, 2], k[..., 1, 2]], -1)[:, :, None]
    return xy * f + c
