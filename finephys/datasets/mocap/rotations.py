"""Small rotation helpers for motion-capture readers (numpy float64)."""
import numpy as np


def quaternion_to_matrix(q):
    """Unit quaternions ``(..., 4)`` as ``(w, x, y, z)`` → rotation matrices ``(..., 3, 3)``
    (normalised first)."""
    q = np.asarray(q, np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], -2)


def axis_angle_matrix(axis, angle):
    """Rotation by ``angle (...,)`` radians about the unit ``axis (3,)`` → ``(..., 3, 3)``."""
    axis = np.asarray(axis, np.float64)
    axis = axis / np.linalg.norm(axis)
    angle = np.asarray(angle, np.float64)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    s, c = np.sin(angle)[..., None, None], np.cos(angle)[..., None, None]
    return np.eye(3) + s * k + (1 - c) * (k @ k)


def slerp(q0, q1, frac):
    """Spherical interpolation of quaternions ``(..., 4)`` (shortest arc), ``frac (...,)``."""
    q0 = q0 / np.linalg.norm(q0, axis=-1, keepdims=True)
    q1 = q1 / np.linalg.norm(q1, axis=-1, keepdims=True)
    dot = np.sum(q0 * q1, -1, keepdims=True)
    q1 = np.where(dot < 0, -q1, q1)
    dot = np.abs(dot).clip(-1.0, 1.0)
    frac = np.asarray(frac, np.float64)[..., None]
    theta = np.arccos(dot)
    small = theta < 1e-6
    sin = np.where(small, 1.0, np.sin(theta))
    a = np.where(small, 1 - frac, np.sin((1 - frac) * theta) / sin)
    b = np.where(small, frac, np.sin(frac * theta) / sin)
    out = a * q0 + b * q1
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def euler_matrix(angles_deg, order):
    """Intrinsic rotation from BVH channel angles: ``R = R_{order[0]} R_{order[1]} R_{order[2]}``
    (BVH applies the channels in the listed order, each about the already-rotated axes).

    Args:
        angles_deg (np.ndarray): ``(T, 3)`` degrees, in ``order``.
        order (str): e.g. ``'ZXY'``.

    Returns:
        np.ndarray: ``(T, 3, 3)``.
    """
    axes = dict(X=np.array([1.0, 0, 0]), Y=np.array([0, 1.0, 0]), Z=np.array([0, 0, 1.0]))
    rad = np.deg2rad(np.asarray(angles_deg, np.float64))
    rot = np.broadcast_to(np.eye(3), rad.shape[:-1] + (3, 3)).copy()
    for i, name in enumerate(order):
        rot = rot @ axis_angle_matrix(axes[name], rad[..., i])
    return rot
