"""The physics fidelity report: the lifter (S_dd), standard smoothers of S_dd tuned on val, the
physics branch and the fused output — the loops behind ``tools/analysis_tools/eval_physics.py``.

Baselines are fair: Savitzky–Golay, zero-phase Butterworth and a constant-acceleration RTS
smoother are each tuned on the **val** split (:func:`tune_smoothers`: the lowest val
acceleration error among the settings whose val MPJPE is no worse than S_dd's), then applied with
those settings to every test set (:func:`test_on`); the model's learnt low-pass (``dd_lowpass``,
when the fuser has one) competes too. "Best smoother" is, per metric, the best of them on that
test set (:func:`best_smoother`).
"""
import copy

import numpy as np
import torch
from mmengine.dataset import default_collate
from mmengine.runner import Runner

from finephys.visualization import plot_com_height

from .functional import apply_smoother, params_key, select_smoother_params, smoother_grid

#: ``(metric, column title)`` of every report table.
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


def source_metrics(metrics, key):
    pre = f'physics/{key}/'
    return {k[len(pre):]: v for k, v in metrics.items() if k.startswith(pre)}


def tune_smoothers(runner_cfg):
    """Grid-evaluate every smoother on val; return ``{family: params}`` and the val table."""
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
    cfg.test_evaluator = [dict(type='PhysicsMetric', smoothers=smoothers, ground_truth=True,
                               flight_by_name=True)]
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if plot:
        plot_flight(runner, smoothers, plot, plot_title)
    return metrics


def plot_flight(runner, smoothers, path, title):
    """COM height along −g over the longest-flight test clip (of the first 64): ground truth,
    S_dd, the val-tuned RTS smoother, physics (S_pp) and fused."""
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
    g = (ds['camera_gravity'][0].double().numpy() if 'camera_gravity' in ds
         else np.array([0.0, 9.80665, 0.0]))
    fps = float(ds['fps'][0])
    dd = out['pred_keypoints_3d_dd'].double().numpy()
    curves = [('ground truth', ds['keypoints_3d'][0].double().numpy(), 'k-'),
              ('S_dd (lifter)', dd, 'C0.-')]
    if 'rts' in smoothers:
        curves.append(('RTS smoother (val-tuned)', apply_smoother('rts', dd, fps,
                                                                 **smoothers['rts']), 'C1--'))
    curves += [('physics S_pp', out['pred_keypoints_3d_pp'].double().numpy(), 'C3-'),
               ('fused S', out['pred_keypoints_3d'].double().numpy(), 'C2:')]
    plot_com_height(curves, fps, ds['flight'][0].numpy().astype(bool), path, title, masses,
                    -g / np.linalg.norm(g))


def set_rows(metrics, compare_metrics, compare_name):
    """The report table of one test set: ``(label, {metric: value})`` rows — lifter, smoothers,
    best smoother, the compared model (when given), this model, ground truth — and the best
    smoother per metric."""
    rows = [('data-driven lifter (S_dd)', source_metrics(metrics, 'dd'))]
    if any(k.startswith('physics/dd_scaled/') for k in metrics):
        rows.append(('S_dd + metric scale from gravity', source_metrics(metrics, 'dd_scaled')))
    names = dict(smooth_savgol='Savitzky–Golay (val-tuned)',
                 smooth_butterworth='Butterworth, zero-phase (val-tuned)',
                 smooth_rts='Kalman/RTS, const. accel. (val-tuned)',
                 dd_lowpass='learnt low-pass of the fuser')
    for r in SMOOTHER_ROWS:
        if f'physics/{r}/mpjpe' in metrics:
            rows.append((names[r], source_metrics(metrics, r)))
    best = best_smoother(metrics)
    rows.append(('**best smoother** (per metric)', {m: v for m, (v, _) in best.items()}))
    if compare_metrics is not None:
        rows.append((f'{compare_name}: physics alone', source_metrics(compare_metrics, 'pp')))
        rows.append((f'{compare_name}: fused', source_metrics(compare_metrics, 'fused')))
    rows.append(('**this model: physics alone (S_pp)**', source_metrics(metrics, 'pp')))
    rows.append(('this model: fused (S)', source_metrics(metrics, 'fused')))
    rows.append(('ground truth (labels)', {k: v for k, v in source_metrics(metrics, 'gt').items()
                                           if k in ('ballistic', 'foot_skate', 'bone_drift',
                                                    'ang_mom_drift')}))
    return rows, best


def results_lines(set_name, metrics, best):
    """``RESULT <set>_...`` lines: physics alone vs the best smoother (positive: better), root
    error vs the lifter on flight clips, the ballistic error of S_pp."""
    lines = []
    pp = source_metrics(metrics, 'pp')
    for m in ('accel', 'ballistic', 'mpjpe'):
        if m in pp and m in best:
            lines.append(f'RESULT {set_name}_physics_vs_best_smoother_{m}_reduction='
                         f'{1 - pp[m] / best[m][0]:.4f}')
    dd = source_metrics(metrics, 'dd')
    if 'root_flight' in pp and dd.get('root_flight'):
        lines.append(f'RESULT {set_name}_root_error_reduction='
                     f'{1 - pp["root_flight"] / dd["root_flight"]:.4f}')
    if 'ballistic' in pp:
        lines.append(f'RESULT {set_name}_structured_ballistic_error={pp["ballistic"]:.4f}')
    for m in ('recall', 'precision'):
        if f'physics/flight/{m}' in metrics:
            lines.append(f'RESULT {set_name}_flight_{m}={metrics[f"physics/flight/{m}"]:.4f}')
    return lines


def flight_table(metrics):
    """The model's flight detection per clip name (a markdown table; '' without names): frames,
    labelled flight frames, recall, precision and the share of supported frames called flight."""
    pre, names = 'physics/flight/', []
    for k in metrics:
        if k.startswith(pre) and k.endswith('/frames'):
            names.append(k[len(pre):-len('/frames')])
    if not names:
        return ''
    cell = lambda k: f'{metrics[k]:.3f}' if k in metrics else '-'
    lines = ['| motion | frames | flight frames | recall | precision | supported called flight |',
             '|---|---|---|---|---|---|']
    for n in sorted(names) + ['']:
        k = f'{pre}{n}/' if n else pre
        frames = (str(metrics[f'{k}frames']) if n else
                  str(sum(metrics[f'{pre}{x}/frames'] for x in names)))
        flights = (str(metrics[f'{k}flight_frames']) if n else
                   str(sum(metrics[f'{pre}{x}/flight_frames'] for x in names)))
        lines.append(f'| {n or "**all**"} | {frames} | {flights} | {cell(k + "recall")} | '
                     f'{cell(k + "precision")} | {cell(k + "false_rate")} |')
    return '\n'.join(lines)
