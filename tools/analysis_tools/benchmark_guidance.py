"""Measure the skeleton-guidance injections on one budget: ControlNet-style skip residuals,
T2I-Adapter-style features in the down path, a pose guider at the input.

    python tools/analysis_tools/benchmark_guidance.py \\
        --pretrained work_dirs/demo/pretrained/synthgym-pixel \\
        --skeleton-checkpoint work_dirs/demo/finephys_skeleton/epoch_30.pth \\
        [--pose-checkpoint work_dirs/pose_estimator/epoch_12.pth] \\
        [--variants controlnet t2i pose_guider] [--iters 100] [--clips 8] \\
        [--work-dir work_dirs/benchmark_guidance] [--cfg-options KEY=VALUE ...]

Each variant trains stage 3 (the same iterations, seed, data and frozen backbone) with
``tools/train.py``, then ``tools/test.py`` samples the first ``--clips`` SynthGym test clips
with the same noise twice — guidance on and guidance zeroed — and scores them with
``GuidanceFidelityMetric`` (silhouette IoU, PCK@0.2 of a pose detector when the config's
evaluator has one, PSNR). ``--cfg-options`` apply to every run (e.g. a learning rate under
study). Prints a markdown table and ``RESULT guidance_<metric>_<variant>[_zero]=…`` lines.
"""
import argparse
import os.path as osp
import sys

from finephys.utils.tool_runner import latest_metrics, run_tool

VARIANTS = dict(controlnet='configs/finephys/finephys_tiny_synthgym.py',
                t2i='configs/finephys/finephys_tiny_synthgym_t2i-adapter.py',
                pose_guider='configs/finephys/finephys_tiny_synthgym_pose-guider.py')
METRICS = ('iou', 'iou_local', 'pck', 'psnr')


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--pretrained', required=True,
                   help='pretrained tiny backbone folder (sd15/ + motion_adapter/)')
    p.add_argument('--skeleton-checkpoint', required=True, help='stage-1 FinePhysSkeleton .pth')
    p.add_argument('--pose-checkpoint', default=None,
                   help='SynthGym pose detector checkpoint for PCK (configs/pose_estimators/)')
    p.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument('--iters', type=int, default=100)
    p.add_argument('--clips', type=int, default=8)
    p.add_argument('--work-dir', default='work_dirs/benchmark_guidance')
    p.add_argument('--skip-zero', action='store_true',
                   help='tuning runs: only the guided test (the zeroed row is left NaN)')
    p.add_argument('--cfg-options', nargs='*', default=[])
    args = p.parse_args()
    for path in (osp.join(args.pretrained, 'sd15'), osp.join(args.pretrained, 'motion_adapter'),
                 args.skeleton_checkpoint, *([args.pose_checkpoint] if args.pose_checkpoint
                                             else [])):
        if not osp.exists(path):
            print(f'error: {path} not found (run tools/misc/pretrain_tiny_backbone.py / stage 1)',
                  file=sys.stderr)
            sys.exit(2)
    py = sys.executable
    common = [f'model.generator.pretrained_model_path={args.pretrained}/sd15',
              f'model.generator.motion_adapter_path={args.pretrained}/motion_adapter',
              f'model.skeleton_checkpoint={args.skeleton_checkpoint}', *args.cfg_options]
    # with a detector: PCK (test_evaluator.0) and the pose pipeline on the generated videos
    # (test_evaluator.1, the skeleton checkpoint lifting the detections)
    test_opts = ([f'test_evaluator.0.pose_estimator.checkpoint={args.pose_checkpoint}',
                  f'test_evaluator.1.pose_estimator.checkpoint={args.pose_checkpoint}',
                  f'test_evaluator.1.skeleton_checkpoint={args.skeleton_checkpoint}']
                 if args.pose_checkpoint else [])
    table = {}
    for name in args.variants:
        cfg = VARIANTS[name]
        work = osp.join(args.work_dir, name)
        it = args.iters
        run_tool([py, 'tools/train.py', cfg, '--work-dir', work, '--cfg-options', *common,
                  f'train_cfg.max_iters={it}', f'train_cfg.val_interval={it}',
                  f'default_hooks.checkpoint.interval={it}', f'custom_hooks.1.interval={it}'])
        row = {}
        for side, zero in (('trained', False), ('zero', True)):
            if zero and args.skip_zero:
                row[side] = {}
                continue
            out = osp.join(work, f'test_{side}')
            run_tool([py, 'tools/test.py', cfg, osp.join(work, f'iter_{it}.pth'), '--work-dir',
                      out, '--cfg-options', *common, *test_opts,
                      f'model.zero_guidance={zero}',
                      f'test_dataloader.dataset.num_samples={args.clips}'])
            row[side] = latest_metrics(out)
        table[name] = row
    nan = float('nan')
    print(f'\nGuidance injections, {args.iters} stage-3 iterations each, {args.clips} SynthGym '
          'test clips, same noise for every row')
    cols = [('IoU', 'trained', 'iou'), ('IoU zeroed', 'zero', 'iou'),
            ('local IoU', 'trained', 'iou_local'), ('local IoU zeroed', 'zero', 'iou_local'),
            ('PCK@0.2', 'trained', 'pck'), ('PCK zeroed', 'zero', 'pck'),
            ('PSNR dB', 'trained', 'psnr'), ('background FP', 'trained', 'background_fp')]
    print('| injection | ' + ' | '.join(c for c, _, _ in cols) + ' |')
    print('|---' * (len(cols) + 1) + '|')
    for name, row in table.items():
        print(f'| {name} | ' + ' | '.join(f'{row[side].get(f"guidance/{key}", nan):.3f}'
                                          for _, side, key in cols) + ' |')
    first = next(iter(table.values()))['trained']
    print('| ground-truth video | ' + ' | '.join(
        f'{first.get(f"guidance/{key}_gt_video", nan):.3f}' if side == 'trained' and key in
        ('iou', 'iou_local', 'pck') else '–' for _, side, key in cols) + ' |')
    for name, row in table.items():
        for metric in METRICS:
            for side, suffix in (('trained', ''), ('zero', '_zero')):
                print(f'RESULT guidance_{metric}_{name}{suffix}='
                      f'{row[side].get(f"guidance/{metric}", nan):.4f}')


if __name__ == '__main__':
    main()
