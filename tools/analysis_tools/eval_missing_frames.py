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

from mmengine.config import DictAction

from finephys.utils.launch import UserInputError, friendly_errors, load_config


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

        from finephys.evaluation.missing_frames import missing_frames_table, with_simulated_gaps
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
        with_gaps = DATASETS.build(with_simulated_gaps(ds_cfg, args.gap, args.num_gaps))
        without = DATASETS.build(ds_cfg)
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
        rows = missing_frames_table(model, with_gaps, without, gates, lifter_scores)
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
