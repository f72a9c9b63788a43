"""Missing 2D joints — NaN in a file, score 0, frames where the person was lost — made explicit.

The lifter must never read a missing joint as a position: a lost frame stored as score 0 at
(0, 0) is a body of zero size at the image corner, and a lifter turns it into a root kilometres
away. Missing joints are filled by linear interpolation in time between the joint's nearest
observed frames (held constant before the first and after the last), their score stays 0 — the
physics solver and the fuser read that as "unobserved" (``FinePhysSkeleton.lifter_missing_score``
sets how far the lifter trusts the filled 2D, the fusers' ``missing_gate`` how much physics fills
in) — and the mask of filled joints is returned so every output can flag them.
"""
import numpy as np


def missing_keypoints_mask(keypoints, scores=None, min_score=0.0):
    """``(T, J)`` True where a joint is missing: non-finite coordinates, or a score ≤
    ``min_score`` (default: exactly 0, the "not detected" convention of MediaPipe/mmpose files)."""
    keypoints = np.asarray(keypoints, float)
    missing = ~np.isfinite(keypoints).all(-1)
    if scores is not None:
        scores = np.asarray(scores, float)
        missing |= ~np.isfinite(scores) | (scores <= min_score)
    return missing


def fill_missing_keypoints(keypoints, scores=None, min_score=0.0, where='keypoints'):
    """Interpolate missing joints in time.

    Args:
        keypoints: ``(T, J, 2)`` pixels (NaN allowed).
        scores: ``(T, J)`` or None (all observed unless NaN).
        min_score (float): Scores at or below it mark a joint missing.
        where (str): Names the input in errors.

    Returns:
        tuple: ``keypoints (T, J, 2)`` all finite, ``scores (T, J)`` (0 where filled),
        ``missing (T, J)`` bool.

    Raises:
        ValueError: no joint is observed in any frame.
    """
    keypoints = np.array(keypoints, float)
    t, j = keypoints.shape[:2]
    scores = np.ones((t, j)) if scores is None else np.array(scores, float)
    missing = missing_keypoints_mask(keypoints, scores, min_score)
    if missing.all():
        raise ValueError(f'{where}: no joint is observed in any of its {t} frames (every '
                         'keypoint is NaN or has score 0) — no person was found')
    frames = np.arange(t)
    never = []
    for k in range(j):
        seen = ~missing[:, k]
        if not seen.any():
            never.append(k)
            continue
        if seen.all():
            continue
        for c in range(keypoints.shape[-1]):
            keypoints[~seen, k, c] = np.interp(frames[~seen], frames[seen], keypoints[seen, k, c])
    if never:   # a joint never seen in the clip: the centroid of the frame's other joints
        filled = np.delete(keypoints, never, axis=1)
        centroid = filled.mean(1)
        keypoints[:, never] = centroid[:, None]
    scores = np.where(missing, 0.0, np.nan_to_num(scores, nan=0.0))
    return keypoints, scores, missing
