"""Pose error functions on numpy arrays (metres in, metres out)."""
import numpy as np


def mpjpe(pred, target, root_index=None):
    """Mean per-joint position error.

    Args:
        pred, target: ``(..., J, 3)``.
        root_index (int, optional): Subtract this joint from both first (protocol #1).

    Returns:
        np.ndarray: ``(...)`` per-pose errors.
    """
    if root_index is not None:
        pred = pred - pred[..., root_index:root_index + 1, :]
        target = target - target[..., root_index:root_index + 1, :]
    return np.linalg.norm(pred - target, axis=-1).mean(-1)


def procrustes_align(pred, target):
    """Align each ``pred`` pose to ``target`` with the similarity transform (rotation, uniform
    scale, translation) minimising squared error (Umeyama 1991; reflections excluded).

    Args:
        pred, target: ``(N, J, 3)``.

    Returns:
        np.ndarray: ``(N, J, 3)`` aligned predictions.
    """
    mu_p, mu_t = pred.mean(1, keepdims=True), target.mean(1, keepdims=True)
    p, t = pred - mu_p, target - mu_t
    cov = np.einsum('njc,njd->ncd', t, p)            # (N, 3, 3) = Σ t pᵀ
    u, s, vt = np.linalg.svd(cov)
    d = np.sign(np.linalg.det(u @ vt))
    fix = np.ones_like(s)
    fix[:, -1] = d
    rot = u @ (fix[:, :, None] * vt)                  # maps p → t
    var_p = (p ** 2).sum((1, 2))
    scale = (s * fix).sum(-1) / np.maximum(var_p, 1e-12)
    return scale[:, None, None] * np.einsum('ncd,njd->njc', rot, p) + mu_t


def p_mpjpe(pred, target):
    """MPJPE after per-pose Procrustes alignment. ``(N, J, 3)`` → ``(N,)``."""
    return mpjpe(procrustes_align(pred, target), target)


def n_mpjpe(pred, target, root_index=0):
    """MPJPE after the optimal per-pose scale of the root-relative prediction
    (Rhodin et al. 2018). ``(N, J, 3)`` → ``(N,)``."""
    p = pred - pred[:, root_index:root_index + 1]
    t = target - target[:, root_index:root_index + 1]
    scale = (p * t).sum((1, 2)) / np.maximum((p * p).sum((1, 2)), 1e-12)
    return mpjpe(scale[:, None, None] * p, t)
