"""Physics fidelity report: the lifter (S_dd), the best standard smoother of S_dd, the physics
branch and the fused output, on held-out SynthGym clips and, optionally, on real motion.

    python tools/analysis_tools/eval_physics.py CONFIG CHECKPOINT [--num-clips 64]
        [--val-clips 64] [--compare PAPER_CONFIG PAPER_CHECKPOINT]
        [--realmotion data/realmotion/test.npz] [--out work_dirs/physics_report.md]
        [--cfg-options k=v ...]

Baselines are fair: Savitzky–Golay, zero-phase Butterworth and a constant-acceleration RTS
smoother are each tuned on the SynthGym **val** split (grid of
``finephys.evaluation.functional.SMOOTHER_GRIDS``: the lowest val acceleration error among the
settings whose val MPJPE is no worse than S_dd's), then applied with those settings to every test
set; the model's learnt low-pass (``dd_lowpass``, when the fuser has one) competes too. "Best
smoother" is, per metric, the best of them on that test set. ``--compare`` adds another model's
rows (e.g. the paper-faithful Phys-Net config) evaluated on the same clips.

Writes a markdown report (one table per set) and a PNG of one flight's COM height per set, and
ends with ``RESULT`` lines; ``<set>`` is ``synthgym`` / ``realmotion``, *physics* is the model's
physics branch alone (S_pp):

    RESULT <set>_physics_vs_best_smoother_{accel,ballistic,mpjpe}_reduction   (positive: better)
    RESULT <set>_root_error_reduction        (S_pp vs S_dd, clips with >= 8 flight frames)
    RESULT <set>_structured_ballistic_error  (m/s², S_pp, flight frames)
    RESULT <set>_flight_{recall,precision}    (the model's predicted flight vs the labels'
                                               frames; the report also has them per motion)
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction

from finephys.utils import register_all_modules
from finephys.utils.launch import UserInputError, friendly_errors, load_config


def prepare(config, checkpoint, args, work_dir):
    if not osp.isfile(checkpoint):
        raise UserInputError(f'checkpoint not found: {checkpoint}')
    cfg = load_config(config, args.cfg_options)
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    for loader, n in (('test_dataloader', args.num_clips), ('val_dataloader', args.val_clips)):
        if cfg[loader].dataset.get('type') == 'SynthGymDataset':
            cfg[loader].dataset.num_samples = n
    return cfg


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--num-clips', type=int, default=64, help='SynthGym test clips')
    p.add_argument('--val-clips', type=int, default=64, help='SynthGym val clips (tuning)')
    p.add_argument('--compare', nargs=2, metavar=('CONFIG', 'CHECKPOINT'),
                   help='another model (e.g. the paper-faithful one) on the same clips')
    p.add_argument('--realmotion', default=None,
                   help='real-motion .npz from tools/dataset_converters/generate_realmotion.py')
    p.add_argument('--out', default=None, help='markdown report path')
    p.add_argument('--work-dir', default=None)
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args()
    with friendly_errors('eval_physics.py'):
        from finephys.evaluation.physics_report import (flight_table, format_table,
                                                        results_lines, set_rows, test_on,
                                                        tune_smoothers)
        register_all_modules(init_default_scope=False)
        work = args.work_dir or osp.join('work_dirs', 'eval_physics')
        cfg = prepare(args.config, args.checkpoint, args, work)
        if args.realmotion:
            if not osp.isfile(args.realmotion):
                raise UserInputError(f'--realmotion {args.realmotion}: file not found (write it '
                                     'with tools/dataset_converters/generate_realmotion.py)')
            from finephys.datasets import Pose3DNpzDataset
            try:         # read it once up front: a bad file is one error, not a crash mid-run
                Pose3DNpzDataset(ann_file=args.realmotion, test_mode=True)
            except (ValueError, OSError, KeyError) as err:
                raise UserInputError(f'--realmotion {args.realmotion}: {err}') from None
        cmp_cfg = (prepare(args.compare[0], args.compare[1], args, osp.join(work, 'compare'))
                   if args.compare else None)
        smoothers, tuning = tune_smoothers(cfg)
        out = args.out or osp.join(work, 'physics_report.md')
        out_dir = osp.dirname(osp.abspath(out))
        stem = osp.splitext(osp.basename(out))[0]
        sets = [('synthgym', f'SynthGym test ({args.num_clips} clips, detector-like 2D noise)',
                 None)]
        if args.realmotion:
            sets.append(('realmotion', f'real motion (DeepMimic/BVH mocap, {args.realmotion}; '
                         'no training on it)',
                         dict(type='Pose3DNpzDataset', ann_file=args.realmotion,
                              test_mode=True)))
        sections, results = [], []
        for name, title, dataset in sets:
            png = osp.join(out_dir, f'{stem}_{name}_com_height.png')
            metrics = test_on(cfg, smoothers, dataset, plot=png,
                              plot_title=f'{title}: COM height of the longest flight')
            cmp_metrics = test_on(cmp_cfg, smoothers, dataset) if cmp_cfg is not None else None
            rows, best = set_rows(metrics, cmp_metrics,
                                  osp.splitext(osp.basename(args.compare[0]))[0]
                                  if args.compare else '')
            sections.append(f'## {title}\n\n{format_table(rows)}\n\n'
                            f'![COM height]({osp.basename(png)})\n')
            flights = flight_table(metrics)
            if flights:
                sections.append(f'### Flight detection (this model), per motion\n\n{flights}\n')
            results += results_lines(name, metrics, best)
    header = (f'# Physics fidelity (config {osp.basename(args.config)}, checkpoint '
              f'{osp.basename(args.checkpoint)})\n\nSmoothers tuned on {args.val_clips} SynthGym '
              f'val clips:\n\n{tuning}\n')
    report = header + '\n' + '\n'.join(sections)
    print('\n' + report)
    os.makedirs(out_dir, exist_ok=True)
    with open(out, 'w') as f:
        f.write(report)
    print(f'written to {out}')
    for line in results:
        print(line)


if __name__ == '__main__':
    main()
