"""``PhysicsMetric``: pose accuracy and physical plausibility for several prediction sources,
with standard smoothers of the lifter's output as baselines."""
from collections import defaultdict
from typing import Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from finephys.registry import METRICS

from ..functional import (SMOOTHERS, acceleration_error, angular_momentum_drift, apply_smoother,
                          ballistic_error, bone_length_drift, foot_skate, jitter, mpjpe,
                          p_mpjpe, params_key, root_error, smoother_grid)

#: Clips with at least this many flight frames count for ``root_flight``.
MIN_FLIGHT_FRAMES = 8


@METRICS.register_module()
class PhysicsMetric(BaseMetric):
    """For each prediction source (data-driven ``S_dd``, physics ``S_pp``, fused ``S``, ...):

    * ``mpjpe`` / ``p_mpjpe`` (mm), ``root`` (mm, absolute root position), ``root_flight`` (mm,
      clips with ≥ 8 flight frames), ``accel`` (mm/frame², vs ground truth);
    * ``ballistic`` (m/s², |COM acceleration − g| on flight frames; the dataset's per-joint
      masses and camera-frame gravity), ``ang_mom_drift`` (m²/s per unit mass, spread of the
      discrete angular momentum about the COM within each flight), ``foot_skate`` (mm/frame on
      contact frames), ``bone_drift`` (mm), ``jitter`` (m/s³).

    Baselines: ``smoothers`` (name → params, or a list of ``dict(type=..., **params)``) are
    applied to the ``smooth_source`` prediction and reported as ``smooth_<name>``; with
    ``smoother_grid=True`` every setting of :data:`~finephys.evaluation.functional.SMOOTHER_GRIDS`
    is reported as ``grid/<family>/<params>`` (what ``eval_physics.py`` tunes on val).
    ``ground_truth=True`` adds a ``gt`` row (the labels' own physics terms: how physical the
    data is).

    Flight detection, when the model outputs ``pred_flight`` and the labels have ``flight``
    (frames pooled over clips): ``flight/recall`` (labelled flight frames predicted flight),
    ``flight/precision`` (predicted flight frames that are flight) and ``flight/false_rate``
    (non-flight frames predicted flight: a support taken for flight); with
    ``flight_by_name=True`` the same per clip ``name`` (e.g. ``flight/deepmimic/roll/recall``)
    and the frame counts ``.../flight_frames``, ``.../frames``. A ratio without frames to
    divide by (no flight in the set) is left out.

    Needs in ``data_samples``: ``keypoints_3d``, ``fps``; for the physics terms ``masses``,
    ``flight``, ``contacts``, ``camera_gravity`` (counted in ``clips_without_physics_labels``
    when missing).

    Args:
        pred_keys (dict): Report name → prediction key (keys a model does not output are
            skipped).
        smoothers (dict, optional): ``{family: params}`` baselines on ``smooth_source``.
        smoother_grid (bool): Report the whole tuning grid.
        smooth_source (str): Report name of the prediction the smoothers filter.
        ground_truth (bool): Add the ``gt`` row.
        flight_by_name (bool): Report flight detection per clip name too.
    """

    default_prefix = 'physics'

    def __init__(self, pred_keys: dict = dict(dd='pred_keypoints_3d_dd',
                                               pp='pred_keypoints_3d_pp',
                                               fused='pred_keypoints_3d',
                                               dd_lowpass='pred_keypoints_3d_dd_lowpass',
                                               dd_scaled='pred_keypoints_3d_dd_scaled'),
                 smoothers: Optional[dict] = None, smoother_grid: bool = False,
                 smooth_source: str = 'dd', ground_truth: bool = False,
                 flight_by_name: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.pred_keys = dict(pred_keys)
        self.smoothers = dict(smoothers or {})
        bad = [k for k in self.smoothers if k not in SMOOTHERS]
        if bad:
            raise KeyError(f'PhysicsMetric smoothers {bad}: valid families {sorted(SMOOTHERS)}')
        self.smoother_grid = smoother_grid
        self.smooth_source = smooth_source
        self.ground_truth = ground_truth
        self.flight_by_name = flight_by_name

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        ds = data_batch['data_samples']
        get = lambda k, i: ds[k][i].detach().cpu().numpy() if k in ds else None
        for i, out in enumerate(data_samples):
            item = dict(gt=get('keypoints_3d', i).astype(np.float64),
                        fps=float(get('fps', i)), masses=get('masses', i),
                        flight=get('flight', i), contacts=get('contacts', i),
                        gravity=get('camera_gravity', i),
                        name=ds['name'][i] if 'name' in ds else None,
                        pred_flight=(out['pred_flight'].detach().cpu().numpy().astype(bool)
                                     if 'pred_flight' in out else None))
            item['preds'] = {name: out[key].detach().cpu().numpy().astype(np.float64)
                             for name, key in self.pred_keys.items() if key in out}
            self.results.append(item)

    def _sources(self, r):
        preds = dict(r['preds'])
        base = preds.get(self.smooth_source)
        if base is not None:
            for name, params in self.smoothers.items():
                preds[f'smooth_{name}'] = apply_smoother(name, base, r['fps'], **params)
            if self.smoother_grid:
                for name in SMOOTHERS:
                    for params in smoother_grid(name):
                        preds[f'grid/{name}/{params_key(params)}'] = apply_smoother(
                            name, base, r['fps'], **params)
        if self.ground_truth:
            preds['gt'] = r['gt']
        return preds

    def compute_metrics(self, results: list) -> dict:
        acc = defaultdict(list)
        skipped = 0
        for r in results:
            has_physics = not (r['masses'] is None or r['flight'] is None or r['gravity'] is None)
            skipped += not has_physics
            flight = r['flight'].astype(bool) if r['flight'] is not None else None
            long_flight = flight is not None and flight.sum() >= MIN_FLIGHT_FRAMES
            for name, pred in self._sources(r).items():
                acc[f'{name}/mpjpe'].append(mpjpe(pred, r['gt'], root_index=0).mean() * 1e3)
                acc[f'{name}/p_mpjpe'].append(p_mpjpe(pred, r['gt']).mean() * 1e3)
                acc[f'{name}/root'].append(root_error(pred, r['gt']) * 1e3)
                if long_flight:
                    acc[f'{name}/root_flight'].append(root_error(pred, r['gt']) * 1e3)
                acc[f'{name}/accel'].append(acceleration_error(pred, r['gt']) * 1e3)
                acc[f'{name}/bone_drift'].append(bone_length_drift(pred) * 1e3)
                acc[f'{name}/jitter'].append(jitter(pred, r['fps']))
                if has_physics:
                    b = ballistic_error(pred, r['masses'], flight, r['gravity'], r['fps'])
                    if b is not None:
                        acc[f'{name}/ballistic'].append(b)
                    d = angular_momentum_drift(pred, r['masses'], flight, r['fps'])
                    if d is not None:
                        acc[f'{name}/ang_mom_drift'].append(d)
                if r['contacts'] is not None:
                    s = foot_skate(pred, r['contacts'].astype(bool)[:, :2])
                    if s is not None:
                        acc[f'{name}/foot_skate'].append(s * 1e3)
        out = {k: float(np.mean(v)) for k, v in acc.items()}
        out.update(self.flight_detection(results))
        if skipped:
            out['clips_without_physics_labels'] = skipped
        return out

    def flight_detection(self, results: list) -> dict:
        """Flight recall / precision / false rate pooled over frames (see the class docstring).

        Returns:
            dict: ``flight/...`` entries (empty when no clip has both labels and predictions).
        """
        counts = defaultdict(lambda: np.zeros(4, np.int64))        # tp, fp, fn, tn
        for r in results:
            if r.get('pred_flight') is None or r['flight'] is None:
                continue
            label, pred = r['flight'].astype(bool), r['pred_flight']
            c = np.array([(pred & label).sum(), (pred & ~label).sum(), (~pred & label).sum(),
                          (~pred & ~label).sum()])
            counts[''] += c
            if self.flight_by_name and r.get('name') is not None:
                counts[f'{r["name"]}/'] += c
        out = {}
        for group, (tp, fp, fn, tn) in counts.items():
            key = f'flight/{group}'
            if tp + fn:
                out[f'{key}recall'] = float(tp / (tp + fn))
            if tp + fp:
                out[f'{key}precision'] = float(tp / (tp + fp))
            if fp + tn:
                out[f'{key}false_rate'] = float(fp / (fp + tn))
            if group:
                out[f'{key}flight_frames'] = int(tp + fn)
                out[f'{key}frames'] = int(tp + fp + fn + tn)
        return out
