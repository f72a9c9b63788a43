"""``AnnotationPoseEstimator``: precomputed or ground-truth 2D skeletons as a pose source."""
import numpy as np
import torch.nn as nn

from finephys.registry import POSE_ESTIMATORS
from finephys.structures import coco17_to_h36m17


def check_keypoints(keypoints, scores, where):
    """Validate a ``(T, 17, 2)`` sequence and ``(T, 17)`` scores; one clear error otherwise."""
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


@POSE_ESTIMATORS.register_module()
class AnnotationPoseEstimator(nn.Module):
    """Passes given 2D keypoints through (converting COCO-17 to H36M-17 when asked).

    Args:
        layout (str): ``'h36m17'`` or ``'coco17'`` — the layout of the given keypoints.

    ``forward(keypoints (T, 17, 2), scores (T, 17) | None)`` → ``(keypoints, scores)`` in
    H36M-17 order, pixels.
    """

    def __init__(self, layout: str = 'h36m17'):
        super().__init__()
        if layout not in ('h36m17', 'coco17'):
            raise ValueError(f"AnnotationPoseEstimator layout={layout!r}: expected 'h36m17' or "
                             "'coco17'")
        self.layout = layout

    def forward(self, keypoints, scores=None):
        keypoints, scores = check_keypoints(keypoints, scores, 'AnnotationPoseEstimator')
        if self.layout == 'coco17':
            keypoints, scores = coco17_to_h36m17(keypoints, scores)
        return keypoints, scores
