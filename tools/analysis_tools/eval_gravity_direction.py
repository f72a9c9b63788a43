"""Gravity's direction from the scene, on SynthGym performances filmed by tilted cameras.

    python tools/analysis_tools/eval_gravity_direction.py CONFIG CHECKPOINT
        [--num-clips 64] [--split test] [--seed 0] [--tilt-deg 20] [--out-dir DIR]
        [--cfg-options k=v ...]

Every clip is a whole SynthGym performance (every class in turn, detector-like 2D noise) seen by
a camera looking down by up to ``--tilt-deg`` degrees and rolled by up to ± as many. The model
(a skeleton config, e.g. the structured solver's) lifts it as ``tools/infer_skeleton.py`` does,
with gravity's direction estimated from the scene (the ground under the stances, the flights,
the upright body: :func:`finephys.models.physics.gravity_direction.estimate_gravity_direction`),
then again with a level camera assumed and with the true gravity given. The estimator's
constants were chosen on the **val** split (seed 7); report on **test**.

Writes ``report.md`` and ``report.json`` under ``--out-dir`` and ends with::

    RESULT synthgym_gravity_direction_error_deg=<median angle, estimated from the scene>
    RESULT synthgym_gravity_direction_error_level_deg=<median angle of a level camera>
    RESULT synthgym_gravity_direction_error_oracle_deg=<median, the estimator on the true 3D>
    RESULT synthgym_tilted_ballistic_error_{scene,level,true}=<m/s², S_pp on true flights>
    RESULT synthgym_tilted_mpjpe_{scene,level,true}=<mm, S_pp root-relative>
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import DictAction

from finephys.utils.launch import UserInputError, friendly_errors, load_config


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--num-clips', type=int, default=64)
    p.add_argument('--split', default='test', choices=['train', 'val', 'test'])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--tilt-deg', type=float, default=20.0,
                   help='largest pitch and roll of the cameras, degrees')
    p.add_argument('--out-dir', default='work_dirs/gravity_direction')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default=None)
    args = p.parse_args()
    with friendly_errors('eval_gravity_direction.py'):
        from finephys.evaluation.gravity_direction import (GRAVITY_SOURCES,
                                                           evaluate_gravity_direction)
        from finephys.models.skeleton_pipeline import SkeletonPipeline
        from finephys.utils import register_all_modules
        if not osp.isfile(args.checkpoint):
            raise UserInputError(f'checkpoint not found: {args.checkpoint}')
        if args.num_clips < 1:
            raise UserInputError(f'--num-clips {args.num_clips}: expected >= 1')
        if not 0 < args.tilt_deg <= 60:
            raise UserInputError(f'--tilt-deg {args.tilt_deg}: expected in (0, 60]')
        cfg = load_config(args.config, args.cfg_options)
        register_all_modules(init_default_scope=True)
        pipeline = SkeletonPipeline(cfg, args.checkpoint, logger='silent')
        report = evaluate_gravity_direction(pipeline, args.num_clips, args.split, args.seed,
                                            args.tilt_deg)
        s = report['summary']
        os.makedirs(args.out_dir, exist_ok=True)
        with open(osp.join(args.out_dir, 'report.json'), 'w') as f:
            json.dump(dict(report, config=args.config, checkpoint=args.checkpoint,
                           split=args.split, seed=args.seed, tilt_deg=args.tilt_deg), f,
                      indent=1)
        label = dict(scene='estimated from the scene', level='level camera assumed',
                     true='true gravity given', oracle='the estimator on the true 3D + flights')
        lines = [f'# Gravity\'s direction on SynthGym {args.split}, cameras tilted up to '
                 f'{args.tilt_deg:g}° ({args.num_clips} whole performances, '
                 f'{osp.basename(args.config)})', '',
                 f'The scene fixed a direction in {100 * s["from_scene"]:.0f} % of the clips '
                 '(else: a level camera, logged).', '',
                 '| gravity | angle median (°) | angle mean (°) | S_pp MPJPE (mm) '
                 '| S_pp root (mm) | S_pp \\|c̈ − g\\| in flight (m/s²) |',
                 '|---|---|---|---|---|---|']
        for src in GRAVITY_SOURCES + ('oracle',):
            phys = (f'{s[f"mpjpe_{src}"]:.1f} | {s[f"root_{src}"]:.0f} | '
                    f'{s[f"ballistic_{src}"]:.2f}' if src in GRAVITY_SOURCES else '– | – | –')
            lines.append(f'| {label[src]} | {s[f"angle_{src}_median"]:.2f} | '
                         f'{s[f"angle_{src}_mean"]:.2f} | {phys} |')
        import numpy as np
        from finephys.datasets.synthgym import ACTIONS
        lines += ['', '| subset | clips | median angle, scene / level / oracle (°) |',
                  '|---|---|---|']
        for subset in sorted({ACTIONS[c['action']]['subset'] for c in report['clips']}):
            rows = [c for c in report['clips'] if ACTIONS[c['action']]['subset'] == subset]
            lines.append(f'| {subset} | {len(rows)} | ' + ' / '.join(
                f'{np.median([c[f"angle_{k}"] for c in rows]):.2f}'
                for k in ('scene', 'level', 'oracle')) + ' |')
        lines += ['', 'Per clip (estimated / level, degrees; what fixed it):', '']
        lines += [f'- {c["action"]}: {c["angle_scene"]:.1f} / {c["angle_level"]:.1f} — '
                  f'{c["source"]}' for c in report['clips']]
        with open(osp.join(args.out_dir, 'report.md'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        print('\n'.join(lines[:len(GRAVITY_SOURCES) + 8]))
        print(f'written to {osp.abspath(args.out_dir)}')
    print(f'RESULT synthgym_gravity_direction_error_deg={s["angle_scene_median"]:.2f}')
    print(f'RESULT synthgym_gravity_direction_error_level_deg={s["angle_level_median"]:.2f}')
    print(f'RESULT synthgym_gravity_direction_error_oracle_deg={s["angle_oracle_median"]:.2f}')
    for src in GRAVITY_SOURCES:
        print(f'RESULT synthgym_tilted_ballistic_error_{src}={s[f"ballistic_{src}"]:.3f}')
    for src in GRAVITY_SOURCES:
        print(f'RESULT synthgym_tilted_mpjpe_{src}={s[f"mpjpe_{src}"]:.1f}')


if __name__ == '__main__':
    main()
