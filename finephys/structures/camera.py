"""The pinhole camera as data: the guessed intrinsics of an uncalibrated video, and the one
pixel ↔ normalised-camera mapping every stage uses.

Normalised camera coordinates are ``K⁻¹ [u, v, 1]`` = ``(X / Z, Y / Z)``: what a lifter sees
(independent of focal length, crop and resolution), so it can output metric camera-frame 3D with
the root trajectory. Skew is zero and pixels are square in every camera this project builds; the
mappings read ``f_x = K[0, 0]``, ``f_y = K[1, 1]``, ``c = K[:2, 2]``.
"""
import numpy as np

#: Focal length / the frame's longer side when the camera is unknown: a broadcast-like lens
#: (~45° across the long side). FineGym clips, real videos and skeleton files all use it.
DEFAULT_FOCAL_FACTOR = 1.2


def default_intrinsics(width, height, focal_factor: float = DEFAULT_FOCAL_FACTOR,
                       dtype=np.float64) -> np.ndarray:
    """A guessed camera for a ``width × height`` frame: focal length ``focal_factor × max(width,
    height)`` (the longer side, so a portrait video gets the same lens as its landscape twin),
    principal point at the centre.

    Returns:
        np.ndarray: ``(3, 3)`` K of ``dtype``.
    """
    f = focal_factor * max(width, height)
    return np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1.0]], dtype)


def _focal_and_centre(intrinsics):
    """``(f, c)`` broadcastable against ``(..., J, 2)`` keypoints: ``(2,)`` each for one K,
    ``(T, 1, 2)`` each for per-frame K ``(T, 3, 3)``."""
    k = np.asarray(intrinsics)
    if k.ndim == 2:
        return np.array([k[0, 0], k[1, 1]]), k[:2, 2]
    return (np.stack([k[:, 0, 0], k[:, 1, 1]], -1)[:, None],
            np.stack([k[:, 0, 2], k[:, 1, 2]], -1)[:, None])


def pixels_to_normalized(keypoints, intrinsics) -> np.ndarray:
    """Pixels → normalised camera coordinates ``(u − c) / f``.

    Args:
        keypoints: ``(T, J, 2)`` (or ``(J, 2)`` with one K) pixels.
        intrinsics: ``(3, 3)`` K, or per frame ``(T, 3, 3)`` (a zooming camera).

    Returns:
        np.ndarray: the same shape; computed in the inputs' dtype (float32 stays float32).
    """
    f, c = _focal_and_centre(intrinsics)
    return (np.asarray(keypoints) - c) / f


def normalized_to_pixels(points, intrinsics) -> np.ndarray:
    """Normalised camera coordinates ``(..., 2)`` → pixels ``x f + c`` (the inverse of
    :func:`pixels_to_normalized`; K as there)."""
    f, c = _focal_and_centre(intrinsics)
    return np.asarray(points) * f + c


def camera_to_pixels(points_3d, intrinsics) -> np.ndarray:
    """Pinhole projection of camera-frame points ``(T, J, 3)`` (z forward) to pixels
    ``(T, J, 2)``: ``(X / Z) f + c``."""
    points_3d = np.asarray(points_3d)
    return normalized_to_pixels(points_3d[..., :2] / points_3d[..., 2:], intrinsics)


def ray_rotation(direction):
    """The smallest rotation taking the optical axis ``(0, 0, 1)`` to the viewing ray
    ``direction`` (Rodrigues' formula about ``z × d``): what turns a pose seen by a model that
    looked along the ray to a person (a crop around them) into the camera's axes.

    Args:
        direction: ``(..., 3)`` numpy array or torch tensor, positive z, any length.

    Returns:
        ``(..., 3, 3)`` rotations of the input's kind and dtype.
    """
    if isinstance(direction, np.ndarray):
        stack = np.stack
    else:                 # torch, imported only for tensors: this module is numpy otherwise
        import torch
        stack = torch.stack
    d = direction / ((direction ** 2).sum(-1) ** 0.5)[..., None]
    x, y, c = d[..., 0], d[..., 1], d[..., 2]
    k = 1.0 / (1.0 + c)                  # z > 0: the ray is never opposite the optical axis
    return stack([stack([1 - k * x * x, -k * x * y, x], -1),
                  stack([-k * x * y, 1 - k * y * y, y], -1),
                  stack([-x, -y, c], -1)], -2)
