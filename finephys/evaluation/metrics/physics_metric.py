"""``PhysicsMetric``: pose accuracy and physical plausibility for several prediction sources."""
from collections import defaultdict
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from finephys.registry import METRICS

from ..functional import (acceleration_error, ballistic_error, bone_length_drift, foot_skate,
                          jitter, mpjpe, p_mpjpe)


@METRICS.register_module()
class PhysicsMetric(BaseMetric):
    """For each prediction key (e.g. data-driven ``S_dd``, physics ``S_pp``, fused ``S``):

    * ``mpjpe`` / ``p_mpjpe`` (mm), ``accel`` (mm/frame², vs ground truth),
    * ``ballistic`` (m/s², COM acceleration vs gravity on flight frames; SynthGym's per-joint
      masses and camera-frame gravity),
    * ``foot_skate`` (mm/frame on contact frames), ``bone_drift`` (mm), ``jitter`` (m/s³).

    Needs in ``data_samples``: ``keypoints_3d``, ``fps``; for the physics terms ``masses``,
    ``flight``, ``contacts``, ``camera_gravity`` (skipped and counted when missing).

    Args:
        pred_keys (dict): Report name → prediction key (keys a model does not output are
            skipped).
    """

    default_prefix = 'physics'

    def __init__(self, pred_keys: dict = dict(dd='pred_keypoints_3d_dd',
                                               pp='pred_keypoints_3d_pp',
                                               fused='pred_keypoints_3d',
                                               dd_lowpass='pred_keypoints_3d_dd_lowpass'),
                 **kwargs):
        super().__init__(**kwargs)
        self.pred_keys = dict(pred_keys)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        ds = data_batch['data_samples']
        get = lambda k, i: ds[k][i].detach().cpu().numpy() if k in ds else None
        for i, out in enumerate(data_samples):
            item = dict(gt=get('keypoints_3d', i).astype(np.float64),
                        fps=float(get('fps', i)), masses=get('masses', i),
                        flight=get('flight', i), contacts=get('contacts', i),
                        gravity=get('camera_gravity', i))
            item['preds'] = {name: out[key].detach().cpu().numpy().astype(np.float64)
                             for name, key in self.pred_keys.items() if key in out}
            self.results.append(item)

    def compute_metrics(self, results: list) -> dict:
        acc = defaultdict(list)
        skipped = 0
        for r in results:
            for name, pred in r['preds'].items():
                acc[f'{name}/mpjpe'].append(mpjpe(pred, r['gt'], root_index=0).mean() * 1e3)
                acc[f'{name}/p_mpjpe'].append(p_mpjpe(pred, r['gt']).mean() * 1e3)
                acc[f'{name}/accel'].append(acceleration_error(pred, r['gt']) * 1e3)
                acc[f'{name}/bone_drift'].append(bone_length_drift(pred) * 1e3)
                acc[f'{name}/jitter'].append(jitter(pred, r['fps']))
                if r['masses'] is None or r['flight'] is None or r['gravity'] is None:
                    skipped += 1
                else:
                    b = ballistic_error(pred, r['masses'], r['flight'].astype(bool), r['gravity'],
                                        r['fps'])
                    if b is not None:
                        acc[f'{name}/ballistic'].append(b)
                if r['contacts'] is not None:
                    s = foot_skate(pred, r['contacts'].astype(bool))
                    if s is not None:
                        acc[f'{name}/foot_skate'].append(s * 1e3)
        out = {k: float(np.mean(v)) for k, v in acc.items()}
        if skipped:
            out['clips_without_physics_labels'] = skipped
        return out
