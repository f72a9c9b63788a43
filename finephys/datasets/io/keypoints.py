"""Checks and boxes of 2D keypoint sequences, shared by the readers, the trackers and the
camera-motion step."""
import numpy as np


def check_keypoints(keypoints, scores, where):
    """Validate a ``(T, 17, 2)`` sequence and ``(T, 17)`` scores; one clear error otherwise.

    Args:
        keypoints: ``(T, 17, 2)`` pixels (must be finite: fill gaps first).
        scores: ``(T, 17)`` or None (all ones).
        where (str): Names the source (a file, a module) in the error.

    Returns:
        tuple: ``keypoints (T, 17, 2)``, ``scores (T, 17)``, float64.

    Raises:
        ValueError: wrong shapes, NaN/inf, or every score 0.
    """
    keypoints = np.asarray(keypoints, np.float64)
    if keypoints.ndim != 3 or keypoints.shape[1:] != (17, 2):
        raise ValueError(f'{where}: keypoints must be (T, 17, 2), got {keypoints.shape}')
    if not np.isfinite(keypoints).all():
        bad = np.argwhere(~np.isfinite(keypoints).all(-1))[:3].tolist()
        raise ValueError(f'{where}: keypoints contain NaN/inf (frame, joint) {bad} ...')
    scores = np.ones(keypoints.shape[:2]) if scores is None else np.asarray(scores, np.float64)
    if scores.shape != keypoints.shape[:2]:
        raise ValueError(f'{where}: scores must be (T, 17) = {keypoints.shape[:2]}, got '
                         f'{scores.shape}')
    if (scores.max(-1) <= 0).all():
        raise ValueError(f'{where}: every keypoint score is 0')
    return keypoints, scores


def keypoint_box(keypoints, scores, min_score, pad=0.1):
    """xyxy box of the joints scoring ≥ ``min_score`` (None when fewer than 3), padded by ``pad``
    of its size on each side.

    Args:
        keypoints: ``(J, 2)`` pixels of one frame (NaN: missing).
        scores: ``(J,)``.

    Returns:
        np.ndarray | None: ``(4,)`` ``(x0, y0, x1, y1)`` pixels.
    """
    ok = (scores >= min_score) & np.isfinite(keypoints).all(-1)
    if ok.sum() < 3:
        return None
    lo, hi = keypoints[ok].min(0), keypoints[ok].max(0)
    size = np.maximum(hi - lo, 1.0)
    return np.concatenate([lo - pad * size, hi + pad * size])
