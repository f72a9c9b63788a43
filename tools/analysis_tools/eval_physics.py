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
"""
import argparse
import copy
import os
import os.path as osp

import numpy as np
from mmengine.config import DictAction
from mmengine.runner import Runner

from finephys.utils import register_all_modules
from finephys.utils.launch import UserInputError, friendly_errors, load_config

COLUMNS = [('mpjpe', 'MPJPE (mm)'), ('p_mpjpe', 'P-MPJPE (mm)'), ('root', 'root (mm)'),
           ('root_flight', 'root, flight clips (mm)'), ('accel', 'accel (mm/f²)'),
           ('ballistic', 'ballistic (m/s²)'), ('foot_skate', 'foot skate (mm/f)'),
           ('bone_drift', 'bone drift (mm)'), ('ang_mom_drift', 'ang. mom. drift (m²/s)')]
SMOOTHER_ROWS = ('smooth_savgol', 'smooth_butterworth', 'smooth_rts', 'dd_lowpass')


def best_smoother(metrics):
    """Per metric, the best value over the smoother rows (and which row gave it)."""
    best = {}
    for m, _ in COLUMNS:
        vals = [(metrics[f'physics/{r}/{m}'], r) for r in SMOOTHER_ROWS
                if f'physics/{r}/{m}' in metrics]
        if vals:
            best[m] = min(vals)
    return best


def format_table(rows):
    """``rows``: list of (label, {metric: value})."""
    lines = ['| source | ' + ' | '.join(c for _, c in COLUMNS) + ' |',
             '|---' * (len(COLUMNS) + 1) + '|']
    for label, vals in rows:
        cells = [f'{vals[m]:.2f}' if m in vals else '-' for m, _ in COLUMNS]
        lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def row(metrics, key):
    pre = f'physics/{key}/'
    return {k[len(pre):]: v for k, v in metrics.items() if k.startswith(pre)}


def tune_smoothers(runner_cfg):
    """Grid-evaluate every smoother on val; return ``{family: params}`` and the val table."""
    from finephys.evaluation.functional import params_key, select_smoother_params, smoother_grid
    cfg = copy.deepcopy(runner_cfg)
    cfg.val_evaluator = [dict(type='PhysicsMetric', smoother_grid=True)]
    cfg.val_cfg = dict(type='ValLoop')
    # a bare val run: no best-checkpoint bookkeeping (its metric is not computed here)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', save_best=None)
    runner = Runner.from_cfg(cfg)
    runner.load_checkpoint(cfg.load_from, strict=True)
    metrics = runner.val_loop.run()
    chosen, lines = {}, []
    for family in ('savgol', 'butterworth', 'rts'):
        cands = {}
        for params in smoother_grid(family):
            k = f'physics/grid/{family}/{params_key(params)}'
            cands[params_key(params)] = dict(params=params, mpjpe=metrics[f'{k}/mpjpe'],
                                             accel=metrics[f'{k}/accel'])
        pick = select_smoother_params(cands, metrics['physics/dd/mpjpe'])
        chosen[family] = pick['params']
        lines.append(f'| {family} | {params_key(pick["params"])} | {pick["mpjpe"]:.2f} | '
                     f'{pick["accel"]:.2f} |')
    table = ('| smoother | val-tuned setting | val MPJPE (mm) | val accel (mm/f²) |\n'
             '|---|---|---|---|\n' + '\n'.join(lines) +
             f'\n| (S_dd, unsmoothed) | - | {metrics["physics/dd/mpjpe"]:.2f} | '
             f'{metrics["physics/dd/accel"]:.2f} |')
    return chosen, table


def test_on(runner_cfg, smoothers, dataset=None, plot=None, plot_title=''):
    """Test metrics (and an optional COM-height plot) on SynthGym test or ``dataset``."""
    cfg = copy.deepcopy(runner_cfg)
    if dataset is not None:
        pipeline = cfg.test_dataloader.dataset.pipeline
        cfg.test_dataloader.dataset = dict(dataset, pipeline=pipeline)
    cfg.test_evaluator = [dict(type='PhysicsMetric', smoothers=smoothers, ground_truth=True)]
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if plot:
        plot_flight(runner, smoothers, plot, plot_title)
    return metrics


def plot_flight(runner, smoothers, path, title):
    """COM height along −g over the longest-flight test clip: ground truth, S_dd, the
    val-tuned RTS smoother, physics (S_pp) and fused."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import torch
    from mmengine.dataset import default_collate

    from finephys.evaluation.functional import apply_smoother
    dataset = runner.test_dataloader.dataset
    best, best_i = -1, None
    for i in range(min(len(dataset), 64)):
        f = dataset[i]['data_samples'].get('flight')
        if f is not None and int(f.sum()) > best:
            best, best_i = int(f.sum()), i
    if best_i is None:
        return
    batch = default_collate([dataset[best_i]])
    model = runner.model
    model.eval()
    with torch.no_grad():
        out = model.test_step(batch)[0]
    ds = batch['data_samples']
    masses = ds['masses'][0].double().numpy() if 'masses' in ds else np.ones(17)
    w = masses / masses.sum()
    g = (ds['camera_gravity'][0].double().numpy() if 'camera_gravity' in ds
         else np.array([0.0, 9.80665, 0.0]))
    up = -g / np.linalg.norm(g)
    fps = float(ds['fps'][0])
    height = lambda x: np.einsum('j,tjc,c->t', w, np.asarray(x, np.float64), up)
    gt = ds['keypoints_3d'][0].double().numpy()
    dd = out['pred_keypoints_3d_dd'].double().numpy()
    curves = [('ground truth', gt, 'k-'), ('S_dd (lifter)', dd, 'C0.-')]
    if 'rts' in smoothers:
        curves.append(('RTS smoother (val-tuned)', apply_smoother('rts', dd, fps,
                                                                 **smoothers['rts']), 'C1--'))
    curves += [('physics S_pp', out['pred_keypoints_3d_pp'].double().numpy(), 'C3-'),
               ('fused S', out['pred_keypoints_3d'].double().numpy(), 'C2:')]
    t = np.arange(len(gt)) / fps
    fig, ax = plt.subplots(figsize=(7, 3.6))
    base = height(gt).min()
    for label, x, style in curves:
        ax.plot(t, height(x) - base, style, label=label, lw=1.6)
    fl = ds['flight'][0].numpy().astype(bool)
    ax.fill_between(t, 0, 1, where=fl, transform=ax.get_xaxis_transform(), color='0.9',
                    label='flight (label)')
    ax.set_xlabel('time (s)')
    ax.set_ylabel('COM height along −g (m)')
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc='best')
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def set_rows(metrics, compare_metrics, compare_name):
    rows = [('data-driven lifter (S_dd)', row(metrics, 'dd'))]
    if any(k.startswith('physics/dd_scaled/') for k in metrics):
        rows.append(('S_dd + metric scale from gravity', row(metrics, 'dd_scaled')))
    names = dict(smooth_savgol='Savitzky–Golay (val-tuned)',
                 smooth_butterworth='Butterworth, zero-phase (val-tuned)',
                 smooth_rts='Kalman/RTS, const. accel. (val-tuned)',
                 dd_lowpass='learnt low-pass of the fuser')
    for r in SMOOTHER_ROWS:
        if f'physics/{r}/mpjpe' in metrics:
            rows.append((names[r], row(metrics, r)))
    best = best_smoother(metrics)
    rows.append(('**best smoother** (per metric)', {m: v for m, (v, _) in best.items()}))
    if compare_metrics is not None:
        rows.append((f'{compare_name}: physics alone', row(compare_metrics, 'pp')))
        rows.append((f'{compare_name}: fused', row(compare_metrics, 'fused')))
    rows.append(('**this model: physics alone (S_pp)**', row(metrics, 'pp')))
    rows.append(('this model: fused (S)', row(metrics, 'fused')))
    rows.append(('ground truth (labels)', {k: v for k, v in row(metrics, 'gt').items()
                                           if k in ('ballistic', 'foot_skate', 'bone_drift',
                                                    'ang_mom_drift')}))
    return rows, best


def results_lines(set_name, metrics, best):
    lines = []
    pp = row(metrics, 'pp')
    for m in ('accel', 'ballistic', 'mpjpe'):
        if m in pp and m in best:
            lines.append(f'RESULT {set_name}_physics_vs_best_smoother_{m}_reduction='
                         f'{1 - pp[m] / best[m][0]:.4f}')
    dd = row(metrics, 'dd')
    if 'root_flight' in pp and dd.get('root_flight'):
        lines.append(f'RESULT {set_name}_root_error_reduction='
                     f'{1 - pp["root_flight"] / dd["root_flight"]:.4f}')
    if 'ballistic' in pp:
        lines.append(f'RESULT {set_name}_structured_ballistic_error={pp["ballistic"]:.4f}')
    return lines


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
