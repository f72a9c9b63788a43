"""Physics fidelity report: data-driven lifter (S_dd) vs physics (S_pp) vs fused (S) on held-out
SynthGym clips with detector-like 2D noise.

    python tools/analysis_tools/eval_physics.py CONFIG CHECKPOINT [--num-clips 64]
        [--out work_dirs/physics_report.md] [--cfg-options k=v ...]

Prints a markdown table (MPJPE, P-MPJPE, accel error, ballistic error, foot skate, bone drift,
jitter), writes it to ``--out`` and ends with ``RESULT`` lines, including the fused model's
improvement over the data-driven one.
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.runner import Runner

from finephys.utils import register_all_modules
from finephys.utils.launch import UserInputError, friendly_errors, load_config

COLUMNS = [('mpjpe', 'MPJPE (mm)'), ('p_mpjpe', 'P-MPJPE (mm)'), ('accel', 'accel (mm/f²)'),
           ('ballistic', 'ballistic (m/s²)'), ('foot_skate', 'foot skate (mm/f)'),
           ('bone_drift', 'bone drift (mm)'), ('jitter', 'jitter (m/s³)')]
ROWS = [('dd', 'data-driven lifter (S_dd)'), ('pp', 'physics (S_pp)'), ('fused', 'fused (S)'),
        ('dd_lowpass', 'ablation: S_dd low-passed, no physics')]


def format_table(metrics):
    lines = ['| source | ' + ' | '.join(c for _, c in COLUMNS) + ' |',
             '|---' * (len(COLUMNS) + 1) + '|']
    for key, name in ROWS:
        if f'physics/{key}/mpjpe' not in metrics:
            continue
        cells = [f'{metrics[f"physics/{key}/{m}"]:.2f}' if f'physics/{key}/{m}' in metrics
                 else '-' for m, _ in COLUMNS]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--num-clips', type=int, default=64)
    p.add_argument('--out', default=None, help='markdown report path')
    p.add_argument('--work-dir', default=None)
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args()
    with friendly_errors('eval_physics.py'):
        register_all_modules(init_default_scope=False)
        if not osp.isfile(args.checkpoint):
            raise UserInputError(f'checkpoint not found: {args.checkpoint}')
        cfg = load_config(args.config, args.cfg_options)
        cfg.work_dir = args.work_dir or osp.join('work_dirs', 'eval_physics')
        cfg.load_from = args.checkpoint
        cfg.test_dataloader.dataset.num_samples = args.num_clips
        cfg.test_evaluator = [dict(type='PhysicsMetric')]
        runner = Runner.from_cfg(cfg)
        metrics = runner.test()
    table = format_table(metrics)
    header = (f'Physics fidelity on {args.num_clips} held-out SynthGym clips '
              f'(config {osp.basename(args.config)}, checkpoint {osp.basename(args.checkpoint)})')
    print('\n' + header + '\n\n' + table + '\n')
    out = args.out or osp.join(cfg.work_dir, 'physics_report.md')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        f.write(f'# {header}\n\n{table}\n')
    print(f'written to {out}')
    for key, _ in ROWS:
        for m, _ in COLUMNS:
            k = f'physics/{key}/{m}'
            if k in metrics:
                print(f'RESULT {key}_{m}={metrics[k]:.4f}')
    for m in ('accel', 'ballistic', 'mpjpe'):
        dd, fu = metrics.get(f'physics/dd/{m}'), metrics.get(f'physics/fused/{m}')
        if dd and fu is not None:
            print(f'RESULT fused_vs_dd_{m}_reduction={(1 - fu / dd):.4f}')
        lp = metrics.get(f'physics/dd_lowpass/{m}')
        if lp and fu is not None:
            print(f'RESULT fused_vs_lowpass_dd_{m}_reduction={(1 - fu / lp):.4f}')


if __name__ == '__main__':
    main()
