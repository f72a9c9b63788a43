"""``Keypoint2DMetric``: how well a 2D keypoint detector finds the annotated joints."""
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from finephys.registry import METRICS

from ..functional import pck


@METRICS.register_module()
class Keypoint2DMetric(BaseMetric):
    """PCK@``alpha`` (torso-normalised) and the mean pixel error of detected keypoints against
    the ground truth, over visible joints.

    Needs per sample ``keypoints_2d`` ``(T, J, 2)`` (the detector's) and ``gt_keypoints_2d``,
    ``gt_visibility`` (:class:`KeypointHeatmapModel.predict` gives them).

    Args:
        alpha (float): PCK threshold as a fraction of the torso diameter.
    """

    default_prefix = 'keypoint_2d'

    def __init__(self, alpha: float = 0.2, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for out in data_samples:
            pred = out['keypoints_2d'].cpu().numpy()
            gt = out['gt_keypoints_2d'].cpu().numpy()
            vis = out['gt_visibility'].cpu().numpy() > 0.5
            err = np.linalg.norm(pred - gt, axis=-1)[vis]
            self.results.append(dict(pck=pck(pred, gt, self.alpha, vis),
                                     px=float(err.mean()) if err.size else float('nan')))

    def compute_metrics(self, results: list) -> dict:
        return {'pck': float(np.nanmean([r['pck'] for r in results])),
                'mean_px_error': float(np.nanmean([r['px'] for r in results]))}
