"""``ReferencePoseMetric``: 3D sequences scored against a reference 3D carried by each sample."""
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from finephys.registry import METRICS

from ..functional import REFERENCE_ERROR_KEYS, reference_pose_errors


@METRICS.register_module()
class ReferencePoseMetric(BaseMetric):
    """Several predicted 3D sequences per clip against the clip's reference 3D — for data whose
    truth is not a dataset label but computed beside the prediction (a real video's multi-view
    triangulation, one view lifted at a time).

    Each ``data_samples`` entry is a dict with ``reference_keypoints_3d`` ``(T, J, 3)`` (NaN where
    the reference has no joint), ``pred_<source>`` ``(T, J, 3)`` for every source, optionally
    ``clip`` (a name), ``body_<source>`` (the skeleton whose bone variation is measured when
    ``pred_<source>`` is not its joints; :func:`~finephys.evaluation.functional.
    reference_pose_errors`) and ``scalars`` (``{name: float}`` measured elsewhere for the clip,
    averaged the same way). Errors per clip and source are
    :func:`~finephys.evaluation.functional.reference_pose_errors`; the metric is their mean over
    clips (NaN-aware: a clip without consecutive whole frames has no acceleration error).

    Keys: ``<source>/<error>`` for the errors of
    :data:`~finephys.evaluation.functional.REFERENCE_ERROR_KEYS` (mm; bone variation in %), and
    ``<name>`` for the scalars. After :meth:`compute_metrics`, :attr:`per_clip` holds every
    clip's errors (``{clip: {source: errors}}``) for reports.

    Args:
        sources (Sequence[str]): The ``pred_<source>`` keys to score.
    """

    default_prefix = 'reference'

    def __init__(self, sources: Sequence[str] = ('fused',), **kwargs):
        super().__init__(**kwargs)
        self.sources = tuple(sources)
        self.per_clip = {}

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            ref = np.asarray(sample['reference_keypoints_3d'], np.float64)
            errors = {src: reference_pose_errors(np.asarray(sample[f'pred_{src}'], np.float64),
                                                 ref, sample.get(f'body_{src}'))
                      for src in self.sources}
            self.results.append(dict(clip=sample.get('clip', len(self.results)), errors=errors,
                                     scalars=dict(sample.get('scalars', {}))))

    def compute_metrics(self, results: list) -> dict:
        self.per_clip = {r['clip']: r['errors'] for r in results}
        out = {f'{src}/{key}': float(np.nanmean([r['errors'][src][key] for r in results]))
               for src in self.sources for key in REFERENCE_ERROR_KEYS}
        names = dict.fromkeys(name for r in results for name in r['scalars'])
        for name in names:
            out[name] = float(np.nanmean([r['scalars'].get(name, np.nan) for r in results]))
        return out
