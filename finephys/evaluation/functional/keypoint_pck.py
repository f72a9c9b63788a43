"""PCK: the fraction of 2D keypoints within a fraction of the torso size of their reference."""
import numpy as np

from finephys.structures.skeleton import H36M17


def torso_size(keypoints: np.ndarray, skeleton=H36M17) -> np.ndarray:
    """Torso diameter per frame: distance between the left shoulder and the right hip (the
    LSP / FLIC "PCK with torso normalisation" convention).

    Args:
        keypoints: ``(..., J, 2)`` pixels in ``skeleton``'s joint order.

    Returns:
        np.ndarray: ``(...)`` pixels.
    """
    ls, rh = skeleton.index('left_shoulder'), skeleton.index('right_hip')
    return np.linalg.norm(keypoints[..., ls, :] - keypoints[..., rh, :], axis=-1)


def pck(pred: np.ndarray, target: np.ndarray, alpha: float = 0.2, mask=None,
        skeleton=H36M17) -> float:
    """PCK@alpha with torso normalisation.

    A joint is correct when ``‖pred − target‖ ≤ alpha · torso(target)``, the torso measured on
    the reference skeleton of the same frame.

    Args:
        pred, target: ``(..., J, 2)`` pixels.
        alpha (float): Threshold as a fraction of the torso diameter.
        mask: ``(..., J)`` bool, joints to count (default all).

    Returns:
        float: Fraction correct in [0, 1] (NaN when nothing is counted).
    """
    pred, target = np.asarray(pred, np.float64), np.asarray(target, np.float64)
    if pred.shape != target.shape or pred.shape[-1] != 2:
        raise ValueError(f'pck: pred {pred.shape} and target {target.shape} must both be '
                         '(..., J, 2)')
    dist = np.linalg.norm(pred - target, axis=-1)
    correct = dist <= alpha * torso_size(target, skeleton)[..., None]
    mask = np.ones(correct.shape, bool) if mask is None else np.asarray(mask, bool)
    return float(correct[mask].mean()) if mask.any() else float('nan')
