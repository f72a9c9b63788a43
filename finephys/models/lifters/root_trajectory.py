"""Shared by the lifters: scale-free 2D input and a root trajectory that projects back onto it."""
import torch


def normalise_2d(keypoints_2d: torch.Tensor, root_index: int = 0):
    """Centre each frame's 2D pose on its root and divide by its size.

    Args:
        keypoints_2d: ``(B, T, J, 2)`` normalised camera coordinates.

    Returns:
        tuple: scale-free pose ``(B, T, J, 2)``, root ``(B, T, 2)``, size ``(B, T, 1)`` (mean
        joint distance to the root, ≥ 1e-4).
    """
    root = keypoints_2d[:, :, root_index]
    rel = keypoints_2d - root[:, :, None]
    size = rel.norm(dim=-1).mean(-1, keepdim=True).clamp_min(1e-4)
    return rel / size[..., None], root, size


def root_from_apparent_size(root_2d, size, head_out, log_body_size):
    """Camera-frame root from a 3-channel head output ``(Δx, Δy, δ)``.

    Depth is apparent size against a learnt body size, ``z = exp(log_body_size − log s + δ)``;
    ``(x, y) = (x̂ + Δx, ŷ + Δy) · z``, so with a zero head the root projects exactly onto the
    detected root.

    Shapes: root_2d ``(B, T, 2)``, size ``(B, T, 1)``, head_out ``(B, T, 3)`` → ``(B, T, 3)``.
    """
    depth = torch.exp(log_body_size - size.log() + head_out[..., 2:3])
    return torch.cat([(root_2d + head_out[..., :2]) * depth, depth], -1)
