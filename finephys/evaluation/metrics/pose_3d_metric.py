"""``Pose3DMetric``: MPJPE family on lifted sequences."""
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from finephys.registry import METRICS

from ..functional import mpjpe, n_mpjpe, p_mpjpe

_MODES = ('mpjpe', 'p-mpjpe', 'n-mpjpe', 'root')


@METRICS.register_module()
class Pose3DMetric(BaseMetric):
    """3D pose errors in millimetres, averaged over every frame of every clip.

    * ``mpjpe``: root-relative MPJPE (protocol #1);
    * ``p-mpjpe``: after per-frame Procrustes alignment (protocol #2);
    * ``n-mpjpe``: after per-frame optimal scale;
    * ``root``: absolute root (trajectory) position error.

    Args:
        modes (tuple[str]): Which errors to report.
        root_index (int): Root joint.
        pred_key (str): Which prediction to evaluate.
        prefix (str, optional): Metric name prefix.
    """

    default_prefix = 'pose3d'

    def __init__(self, modes: Sequence[str] = _MODES, root_index: int = 0,
                 pred_key: str = 'pred_keypoints_3d', **kwargs):
        super().__init__(**kwargs)
        bad = [m for m in modes if m not in _MODES]
        if bad:
            raise ValueError(f'Pose3DMetric modes {bad}: valid modes are {list(_MODES)}')
        self.modes, self.root_index, self.pred_key = tuple(modes), root_index, pred_key

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        targets = data_batch['data_samples']['keypoints_3d']
        for i, out in enumerate(data_samples):
            pred = out[self.pred_key].detach().cpu().numpy().astype(np.float64)
            gt = targets[i].detach().cpu().numpy().astype(np.float64)
            if pred.shape != gt.shape:
                raise ValueError(f'Pose3DMetric: prediction {pred.shape} vs target {gt.shape}')
            self.results.append(dict(pred=pred, gt=gt))

    def compute_metrics(self, results: list) -> dict:
        pred = np.concatenate([r['pred'] for r in results])    # (N·T, J, 3)
        gt = np.concatenate([r['gt'] for r in results])
        out = {}
        r = self.root_index
        for m in self.modes:
            if m == 'mpjpe':
                v = mpjpe(pred, gt, root_index=r)
            elif m == 'p-mpjpe':
                v = p_mpjpe(pred, gt)
            elif m == 'n-mpjpe':
                v = n_mpjpe(pred, gt, root_index=r)
            else:
                v = np.linalg.norm(pred[:, r] - gt[:, r], axis=-1)
            out[m] = float(v.mean() * 1000.0)
        return out
