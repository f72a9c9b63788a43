"""``Reprojection2DMetric``: how well 3D predictions explain the detected 2D, for data with no 3D
labels (FineGym stage 2)."""
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from finephys.registry import METRICS

from ..functional import bone_length_drift, jitter


@METRICS.register_module()
class Reprojection2DMetric(BaseMetric):
    """For each prediction source (``S_dd``, ``S_pp``, ``S``), label-free:

    * ``px_<source>``: score-weighted distance (pixels) between the source projected with the
      clip's ``camera_K`` and the detected 2D, ``Σ s·||π(X) − x|| / Σ s`` over every joint and
      frame of the set (the stage-2 loss ``L_2D``, in pixels);
    * ``jitter_<source>`` (m/s³, mean jerk) and ``bone_drift_<source>`` (mm, per-bone length
      spread over time): how physical the 3D is without a reference.

    Needs in ``data_samples``: ``keypoints_2d`` (detected, pixels), ``keypoint_scores``,
    ``camera_K``, ``fps``.

    Args:
        pred_keys (dict): Report name → prediction key (keys a model does not output are
            skipped).
    """

    default_prefix = 'reproj2d'

    def __init__(self, pred_keys: dict = dict(dd='pred_keypoints_3d_dd', pp='pred_keypoints_3d_pp',
                                               fused='pred_keypoints_3d'), **kwargs):
        super().__init__(**kwargs)
        self.pred_keys = dict(pred_keys)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        batch = data_batch['data_samples']
        for key in ('keypoints_2d', 'keypoint_scores', 'camera_K', 'fps'):
            if key not in batch:
                raise KeyError(f'Reprojection2DMetric: data_samples[{key!r}] is missing (pack it '
                               'with PackSkeletonInputs target_keys)')
        for i, out in enumerate(data_samples):
            kp = batch['keypoints_2d'][i].cpu().numpy().astype(np.float64)
            score = batch['keypoint_scores'][i].cpu().numpy().astype(np.float64)
            k = batch['camera_K'][i].cpu().numpy().astype(np.float64)
            fps = float(batch['fps'][i])
            row = dict(weight=float(score.sum()))
            for name, key in self.pred_keys.items():
                if key not in out:
                    continue
                x = out[key].detach().cpu().numpy().astype(np.float64)
                uv = x[..., :2] / np.maximum(x[..., 2:3], 1e-3)
                kk = np.broadcast_to(k, (len(x), 3, 3)) if k.ndim == 2 else k
                px = (uv * np.stack([kk[:, 0, 0], kk[:, 1, 1]], -1)[:, None]
                      + np.stack([kk[:, 0, 2], kk[:, 1, 2]], -1)[:, None])
                err = np.linalg.norm(px - kp, axis=-1)
                row[f'px_{name}'] = float((err * score).sum())
                row[f'jitter_{name}'] = jitter(x, fps)
                row[f'bone_drift_{name}'] = bone_length_drift(x) * 1000.0
            self.results.append(row)

    def compute_metrics(self, results: list) -> dict:
        weight = sum(r['weight'] for r in results)
        out = {}
        for name in self.pred_keys:
            if f'px_{name}' not in results[0]:
                continue
            out[f'px_{name}'] = sum(r[f'px_{name}'] for r in results) / max(weight, 1e-9)
            out[f'jitter_{name}'] = float(np.mean([r[f'jitter_{name}'] for r in results]))
            out[f'bone_drift_{name}'] = float(np.mean([r[f'bone_drift_{name}'] for r in results]))
        return out
