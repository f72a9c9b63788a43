"""Multi-view triangulation of 2D keypoints (weighted linear DLT)."""
import numpy as np


def projection_matrices(K, R, t):
    """``(V, 3, 4)`` ``P = K [R | t]`` from ``K (V, 3, 3)``, world→camera ``R (V, 3, 3)``,
    ``t (V, 3)``."""
    K, R, t = (np.asarray(a, float) for a in (K, R, t))
    return K @ np.concatenate([R, t[..., None]], -1)


def triangulate_points(points_2d, scores, P, min_score=0.5, min_views=2, max_error=None):
    """Triangulate each joint of each frame from the views that see it.

    Each view contributes the two DLT rows ``u·P₃ − P₁``, ``v·P₃ − P₂`` scaled by its score
    (Hartley & Zisserman, §12.2); the point is the smallest right singular vector.

    Args:
        points_2d: ``(V, T, J, 2)`` undistorted pixels (NaN where missing).
        scores: ``(V, T, J)`` confidences.
        P: ``(V, 3, 4)`` projection matrices.
        min_score (float): Views below it are not used for that joint.
        min_views (int): Fewer usable views → NaN.
        max_error (float, optional): Where the mean reprojection error exceeds it (pixels) and
            more than ``min_views`` views are used, the point is re-triangulated leaving out one
            view at a time and the lowest-error result is kept (a view that swapped left and
            right, or saw someone else, is outvoted).

    Returns:
        tuple: ``points (T, J, 3)`` (NaN where not triangulable) and the mean reprojection error
        ``(T, J)`` pixels over the views used.
    """
    pts = np.asarray(points_2d, float)
    w = np.where(np.isfinite(pts).all(-1), np.asarray(scores, float), 0.0)
    w = np.where(w >= min_score, w, 0.0)
    P = np.asarray(P, float)
    points, err = _triangulate(pts, w, P, min_views)
    if max_error is not None:
        for leave in range(len(P)):
            w_l = w.copy()
            w_l[leave] = 0.0
            p_l, e_l = _triangulate(pts, w_l, P, min_views)
            better = (err > max_error) & ((w > 0).sum(0) > min_views) & (e_l < err)
            points[better], err[better] = p_l[better], e_l[better]
    return points, err


def _triangulate(pts, w, P, min_views):
    v, t, j = w.shape
    uv = np.nan_to_num(pts)
    rows = np.concatenate([uv[..., 0:1, None] * P[:, None, None, 2:3] - P[:, None, None, 0:1],
                           uv[..., 1:2, None] * P[:, None, None, 2:3] - P[:, None, None, 1:2]],
                          -2)                                   # (V, T, J, 2, 4)
    rows = rows * w[..., None, None]
    a = rows.transpose(1, 2, 0, 3, 4).reshape(t, j, 2 * v, 4)
    # scale-normalise rows so far cameras do not dominate through P's magnitude
    norm = np.linalg.norm(a, axis=-1, keepdims=True)
    a = a / np.where(norm > 0, norm, 1.0) * (norm > 0)
    _, _, vt = np.linalg.svd(a)
    x = vt[..., -1, :]
    points = x[..., :3] / x[..., 3:]
    used = (w > 0).sum(0)
    points[used < min_views] = np.nan
    hom = np.concatenate([points, np.ones((t, j, 1))], -1)
    proj = np.einsum('vab,tjb->vtja', P, hom)
    err = np.linalg.norm(proj[..., :2] / proj[..., 2:] - pts, axis=-1)
    err = np.where(w > 0, err, 0.0).sum(0) / np.maximum(used, 1)
    err[used < min_views] = np.nan
    return points, err
