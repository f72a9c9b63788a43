"""``AnnotationPoseEstimator``: precomputed or ground-truth 2D skeletons as a pose source."""
import torch.nn as nn

from finephys.datasets.io import check_keypoints
from finephys.registry import POSE_ESTIMATORS
from finephys.structures import coco17_to_h36m17


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
