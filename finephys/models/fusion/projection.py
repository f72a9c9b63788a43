"""Projection of camera-frame 3D to 2D, with the sample's camera or one estimated from data."""
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


def estimate_intrinsics(keypoints_2d, points, scores=None):
    """Least-squares pinhole intrinsics (shared focal ``f``, principal point ``(c_x, c_y)``) per
    sequence from 2D pixels and camera-frame 3D: ``u = f X/Z + c_x``, ``v = f Y/Z + c_y`` is
    linear in ``(f, c_x, c_y)``; rows are weighted by the detection scores.

    Args:
        keypoints_2d: ``(B, T, J, 2)`` pixels; points: ``(B, T, J, 3)``; scores ``(B, T, J)``.

    Returns:
        Tensor: ``(B, 3, 3)`` K.
    """
    b = points.shape[0]
    xy = (points[..., :2] / points[..., 2:3].clamp_min(1e-3)).reshape(b, -1, 2)
    uv = keypoints_2d.reshape(b, -1, 2)
    w = (scores.reshape(b, -1) if scores is not None else uv.new_ones(uv.shape[:2])).sqrt()
    ones, zeros = torch.ones_like(xy[..., 0]), torch.zeros_like(xy[..., 0])
    rows_u = torch.stack([xy[..., 0], ones, zeros], -1)
    rows_v = torch.stack([xy[..., 1], zeros, ones], -1)
    a = torch.cat([rows_u, rows_v], 1) * torch.cat([w, w], 1)[..., None]
    y = torch.cat([uv[..., 0], uv[..., 1]], 1) * torch.cat([w, w], 1)
    sol = torch.linalg.lstsq(a, y[..., None]).solution[..., 0]   # (B, 3): f, cx, cy
    k = points.new_zeros(b, 3, 3)
    k[:, 0, 0] = k[:, 1, 1] = sol[:, 0]
    k[:, 0, 2], k[:, 1, 2], k[:, 2, 2] = sol[:, 1], sol[:, 2], 1.0
    return k
