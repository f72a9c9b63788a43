"""How well a skeleton model bridges frames where the person was lost.

    python tools/analysis_tools/eval_missing_frames.py CONFIG CHECKPOINT [--gap 8] [--num-gaps 1]
        [--split val|test] [--num-clips 64] [--missing-gates config learned 0]
        [--lifter-missing-scores config none]
        [--out work_dirs/missing_frames.md] [--cfg-options k=v ...]

Each clip of the split gets ``--num-gaps`` runs of ``--gap`` lost frames
(:class:`SimulateMissingFrames`, deterministic per clip: score 0, the 2D filled in time exactly as
inference fills it). Errors are measured on the lost frames only, against the ground-truth 3D:
MPJPE (pelvis-aligned) and the absolute camera-frame error (the root trajectory included — a
gap is where the root is least known), for the lifter (S_dd on the interpolated 2D), the
physics branch (S_pp), a simple baseline (``interp_3d``: the model's fused 3D on the observed
frames, linear in time across each gap — with the first ``--missing-gates`` setting) and the
fused output with each ``--missing-gates`` setting of the fuser
(``config``: as the config sets it; ``learned``: its own gate; a number: that gate on missing
joints, 0 = physics there), for each ``--lifter-missing-scores`` setting of the model (the score
the lifter sees on missing joints; ``config``; ``none``: 0; a number). The same clips without
gaps give the reference rows. Choose the setting on ``val``, report on ``test``.

Ends with ``RESULT missing_<lifter score>_<source>_{mpjpe,abs}=<mm>`` lines (sources: ``s_dd``,
``s_pp``, ``fused_learned``, ``fused_gate<g>``) and ``RESULT missing_nogap_<source>_...``.
"""
import argparse
import copy
import os
import os.path as osp

import numpy as np
from mmengine.config import DictAction

from finephys.utils.launch import UserInputError, friendly_errors, load_config


def gate_name(g):
    return 'learned' if g is None else f'gate{g:g}'


def run(model, dataset, sources_of):
    """Errors (mm) per source over the frames ``sources_of(batch, i)`` selects in clip ``i``,
    accumulated over clips; also the selected frames of every clip (a list: a second pass over
    the same clips without gaps scores the same frames)."""
    import torch
    from mmengine.dataset import default_collate

    from finephys.evaluation.functional.pose_errors import mpjpe
    from finephys.utils.keypoint_gaps import fill_missing_keypoints
    sums, counts, selected = {}, {}, []
    for i in range(len(dataset)):
        batch = default_collate([dataset[i]])
        with torch.no_grad():
            out = model.test_step(batch)[0]
        gt = batch['data_samples']['keypoints_3d'][0].double().numpy()
        frames = sources_of(batch, i)
        selected.append(frames)
        if not frames.any():
            continue
        preds = {name: out[key].double().numpy() for name, key in (
            ('s_dd', 'pred_keypoints_3d_dd'), ('s_pp', 'pred_keypoints_3d_pp'),
            ('fused', 'pred_keypoints_3d'))}
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


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--gap', type=int, default=8)
    p.add_argument('--num-gaps', type=int, default=1)
    p.add_argument('--split', default='val', choices=['val', 'test'])
    p.add_argument('--num-clips', type=int, default=64)
    p.add_argument('--missing-gates', nargs='+', default=['config', 'learned', '0'])
    p.add_argument('--lifter-missing-scores', nargs='+', default=['config', 'none'])
    p.add_argument('--out', default=None)
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args()
    with friendly_errors('eval_missing_frames.py'):
        from mmengine.runner import load_checkpoint

        from finephys.registry import DATASETS, MODELS
        from finephys.utils import register_all_modules
        register_all_modules(init_default_scope=True)
        if not osp.isfile(args.checkpoint):
            raise UserInputError(f'checkpoint not found: {args.checkpoint}')
        try:
            gates = [g if g == 'config' else None if g == 'learned' else float(g)
                     for g in args.missing_gates]
            lifter_scores = [v if v == 'config' else None if v == 'none' else float(v)
                             for v in args.lifter_missing_scores]
        except ValueError as err:
            raise UserInputError(f'--missing-gates {args.missing_gates} / --lifter-missing-scores'
                                 f' {args.lifter_missing_scores}: expected "learned" / "none" or '
                                 'numbers in [0, 1]') from err
        cfg = load_config(args.config, args.cfg_options)
        ds_cfg = copy.deepcopy(cfg[f'{args.split}_dataloader'].dataset)
        if ds_cfg.get('type') == 'SynthGymDataset':
            ds_cfg.num_samples = args.num_clips
        pipeline = list(ds_cfg.pipeline)
        sample = [i for i, t in enumerate(pipeline) if t['type'] == 'SampleFrames']
        at = sample[0] + 1 if sample else 0
        gap_cfg = dict(ds_cfg, pipeline=pipeline[:at] + [dict(
            type='SimulateMissingFrames', gap=args.gap, num_gaps=args.num_gaps, seed=0)] +
            pipeline[at:])
        with_gaps, without = DATASETS.build(gap_cfg), DATASETS.build(ds_cfg)
        model = MODELS.build(cfg.model)
        load_checkpoint(model, args.checkpoint, map_location='cpu')
        model.eval()
        fuser = model.fuser
        configured = (getattr(fuser, 'missing_gate', None), model.lifter_missing_score)
        if any(g not in (None, 'config') for g in gates) and not hasattr(fuser, 'missing_gate'):
            raise UserInputError(f'{type(fuser).__name__} has no missing_gate setting')
        gates = list(dict.fromkeys(configured[0] if g == 'config' else g for g in gates))
        lifter_scores = list(dict.fromkeys(configured[1] if v == 'config' else v
                                           for v in lifter_scores))

        def lost(batch, i):
            return (batch['inputs']['keypoint_scores'][0] <= 0).all(-1).numpy()

        rows = {}
        for ls in lifter_scores:
            model.lifter_missing_score = ls
            tag = 'lifter0' if ls is None else f'lifter{ls:g}'
            for g in gates:
                if hasattr(fuser, 'missing_gate'):
                    fuser.missing_gate = g
                res, lost_frames = run(model, with_gaps, lost)
                if f'{tag}_s_dd' not in rows:
                    for name in ('s_dd', 's_pp', 'interp_3d'):
                        rows[f'{tag}_{name}'] = {m: res[(name, m)] for m in ('mpjpe', 'abs')}
                rows[f'{tag}_fused_{gate_name(g)}'] = {m: res[('fused', m)]
                                                       for m in ('mpjpe', 'abs')}
        if hasattr(fuser, 'missing_gate'):
            fuser.missing_gate = configured[0]
        model.lifter_missing_score = configured[1]

        # the same clips without gaps, scored on the frames their gapped copies lost
        ref, _ = run(model, without, lambda batch, i: lost_frames[i])
        if ref:
            for name in ('s_dd', 's_pp', 'fused'):     # interp_3d = fused without gaps
                rows[f'nogap_{name}'] = {m: ref[(name, m)] for m in ('mpjpe', 'abs')}
        lines = [f'# Bridging lost frames: {args.num_gaps} × {args.gap} frames per clip, '
                 f'{len(with_gaps)} {args.split} clips', '', f'`{args.config}`', '',
                 '| source | MPJPE on lost frames (mm) | absolute error (mm) |', '|---|---|---|']
        for name, r in rows.items():
            lines.append(f'| {name} | {r["mpjpe"]:.1f} | {r["abs"]:.1f} |')
        text = '\n'.join(lines) + '\n'
        print(text)
        if args.out:
            os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
            with open(args.out, 'w') as f:
                f.write(text)
    for name, r in rows.items():
        for m in ('mpjpe', 'abs'):
            print(f'RESULT missing_{name}_{m}={r[m]:.2f}')


if __name__ == '__main__':
    main()
