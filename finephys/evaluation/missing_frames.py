"""How well a skeleton model bridges frames where the person was lost — the loops behind
``tools/analysis_tools/eval_missing_frames.py``.

Clips get runs of lost frames (:class:`SimulateMissingFrames`: score 0, the 2D filled in time
exactly as inference fills it); errors are measured on the lost frames only, against the
ground-truth 3D: MPJPE (pelvis-aligned) and the absolute camera-frame error, for the lifter
(S_dd), the physics branch (S_pp), the fused output, and a simple baseline (``interp_3d``: the
fused 3D of the observed frames, linear in time across each gap).
"""
import copy

import numpy as np
import torch
from mmengine.dataset import default_collate

from finephys.utils.keypoint_gaps import fill_missing_keypoints

from .functional import mpjpe

#: ``(source, model output key)`` scored on the lost frames.
MISSING_FRAME_SOURCES = (('s_dd', 'pred_keypoints_3d_dd'), ('s_pp', 'pred_keypoints_3d_pp'),
                         ('fused', 'pred_keypoints_3d'))


def gate_name(gate):
    """A row name for a fuser ``missing_gate`` setting (None: the learnt gate)."""
    return 'learned' if gate is None else f'gate{gate:g}'


def with_simulated_gaps(dataset_cfg, gap, num_gaps, seed=0):
    """A copy of a dataset config whose pipeline loses ``num_gaps`` runs of ``gap`` frames per
    clip (deterministic per clip), inserted after ``SampleFrames`` (first when there is none)."""
    pipeline = list(dataset_cfg.pipeline)
    sample = [i for i, t in enumerate(pipeline) if t['type'] == 'SampleFrames']
    at = sample[0] + 1 if sample else 0
    return dict(copy.deepcopy(dataset_cfg), pipeline=pipeline[:at] + [dict(
        type='SimulateMissingFrames', gap=gap, num_gaps=num_gaps, seed=seed)] + pipeline[at:])


def lost_frames_of(batch, i):
    """The frames of a one-clip batch whose every joint was lost (score 0): ``(T,)`` bool."""
    return (batch['inputs']['keypoint_scores'][0] <= 0).all(-1).numpy()


def lost_frame_errors(model, dataset, select_frames):
    """Errors (mm) per source over the frames ``select_frames(batch, i)`` selects in clip ``i``,
    accumulated over clips.

    Returns:
        tuple: ``{(source, 'mpjpe' | 'abs'): mm}`` (sources of :data:`MISSING_FRAME_SOURCES`
        and ``interp_3d``), and the selected frames of every clip (a list: a second pass over
        the same clips without gaps scores the same frames).
    """
    sums, counts, selected = {}, {}, []
    for i in range(len(dataset)):
        batch = default_collate([dataset[i]])
        with torch.no_grad():
            out = model.test_step(batch)[0]
        gt = batch['data_samples']['keypoints_3d'][0].double().numpy()
        frames = select_frames(batch, i)
        selected.append(frames)
        if not frames.any():
            continue
        preds = {name: out[key].double().numpy() for name, key in MISSING_FRAME_SOURCES}
        if (~frames).any():   # the simple baseline: the fused 3D of the observed frames, linear
            blank = np.where(frames[:, None, None], np.nan, preds['fused'])   # across a gap
            preds['interp_3d'] = fill_missing_keypoints(blank, where='interp_3d')[0]
        for name, full in preds.items():
            pred, g = full[frames], gt[frames]
            for m, v in (('mpjpe', mpjpe(pred, g, root_index=0)),
                         ('abs', mpjpe(pred, g))):
                sums[(name, m)] = sums.get((name, m), 0.0) + 1e3 * v.sum()
                counts[(name, m)] = counts.get((name, m), 0) + len(v)
    return {k: sums[k] / counts[k] for k in sums}, selected


def missing_frames_table(model, with_gaps, without_gaps, gates, lifter_scores):
    """Rows of the bridging table: for each lifter missing score × fuser ``missing_gate``
    setting, the errors on the lost frames; then the same clips without gaps on the same frames.

    Args:
        model: A skeleton model (``FinePhysSkeleton``) in eval mode; its settings are restored.
        with_gaps, without_gaps: The same clips with and without simulated gaps.
        gates (list): Fuser ``missing_gate`` values (None: learnt).
        lifter_scores (list): ``lifter_missing_score`` values (None: 0).

    Returns:
        dict: ``{row name: {'mpjpe': mm, 'abs': mm}}`` — ``<lifter tag>_{s_dd, s_pp,
        interp_3d}``, ``<lifter tag>_fused_<gate>``, ``nogap_{s_dd, s_pp, fused}``.
    """
    fuser = model.fuser
    configured = (getattr(fuser, 'missing_gate', None), model.lifter_missing_score)
    rows = {}
    lost = None
    for ls in lifter_scores:
        model.lifter_missing_score = ls
        tag = 'lifter0' if ls is None else f'lifter{ls:g}'
        for g in gates:
            if hasattr(fuser, 'missing_gate'):
                fuser.missing_gate = g
            res, lost = lost_frame_errors(model, with_gaps, lost_frames_of)
            if f'{tag}_s_dd' not in rows:
                for name in ('s_dd', 's_pp', 'interp_3d'):
                    rows[f'{tag}_{name}'] = {m: res[(name, m)] for m in ('mpjpe', 'abs')}
            rows[f'{tag}_fused_{gate_name(g)}'] = {m: res[('fused', m)]
                                                   for m in ('mpjpe', 'abs')}
    if hasattr(fuser, 'missing_gate'):
        fuser.missing_gate = configured[0]
    model.lifter_missing_score = configured[1]
    # the same clips without gaps, scored on the frames their gapped copies lost
    ref, _ = lost_frame_errors(model, without_gaps, lambda batch, i: lost[i])
    if ref:
        for name in ('s_dd', 's_pp', 'fused'):     # interp_3d = fused without gaps
            rows[f'nogap_{name}'] = {m: ref[(name, m)] for m in ('mpjpe', 'abs')}
    return rows
