"""The main job on the embedded default (what `make demo` runs): look at SynthGym, train the
baseline lifter and the FinePhys skeleton path on it, evaluate, and say where everything is.

    python tools/demo.py [--work-dir work_dirs/demo] [--epochs 30] [--physics-epochs 40]
                         [--train-clips 384]

Steps: (1) sample grid video + 3D plots of every SynthGym class; (2) a SynthGym cache for
train/val/test; (3) tools/train.py on the baseline TemporalConvLifter config; (4) tools/test.py
on its best checkpoint, side by side with the dataset-mean-pose baseline; (5) stage 1 of the
FinePhys skeleton path (lifter + Phys-Net + complementary fusion); (6) the physics fidelity
report (data-driven vs physics vs fused); (7) skeleton inference on a held-out clip (3D gif and
2D overlay).
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = 'configs/lifters/temporal-conv_c256-b3_adam-20e_synthgym.py'
PHYSICS_CONFIG = 'configs/finephys/finephys-skeleton_stage1_synthgym_tcn-lifter_complementary.py'


def sh(args):
    print('$', ' '.join(args), flush=True)
    subprocess.run(args, cwd=ROOT, check=True,
                   env=dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', '')))


def mean_pose_baseline(data_root, num_frames, clip_len):
    """MPJPE (mm) of predicting the training set's mean root-relative pose for every frame."""
    from finephys.datasets import SynthGymDataset
    from finephys.evaluation import mpjpe
    train = SynthGymDataset(num_samples=64, split='train', num_frames=num_frames, data_root=data_root)
    mean = np.mean([c['keypoints_3d'] - c['keypoints_3d'][:, :1] for c in
                    (train[i] for i in range(len(train)))], axis=(0, 1))
    test = SynthGymDataset(num_samples=64, split='test', num_frames=num_frames, data_root=data_root)
    errs = []
    for i in range(len(test)):
        gt = test[i]['keypoints_3d']
        s = (num_frames - clip_len) // 2
        gt = gt[s:s + clip_len]
        errs.append(mpjpe(np.broadcast_to(mean, gt.shape), gt - gt[:, :1]))
    return float(np.mean(errs) * 1000)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--work-dir', default='work_dirs/demo')
    p.add_argument('--epochs', type=int, default=30)
    p.add_argument('--physics-epochs', type=int, default=40)
    p.add_argument('--train-clips', type=int, default=384)
    args = p.parse_args()
    work = osp.abspath(args.work_dir)
    t0 = time.time()
    py = sys.executable
    sh([py, 'tools/misc/visualize_synthgym.py', '--out', osp.join(work, 'synthgym'),
        '--size', '128', '--overlay'])
    data = osp.join(work, 'data', 'synthgym')
    sh([py, 'tools/dataset_converters/generate_synthgym.py', '--out', data, '--splits',
        f'train:{args.train_clips}', 'val:64', 'test:64', '--num-frames', '48'])
    lifter_dir = osp.join(work, 'lifter')
    sh([py, 'tools/train.py', CONFIG, '--work-dir', lifter_dir, '--cfg-options',
        f'train_cfg.max_epochs={args.epochs}', f'train_cfg.val_interval={args.epochs}',
        f'train_dataloader.dataset.num_samples={args.train_clips}',
        f'train_dataloader.dataset.data_root={data}', f'val_dataloader.dataset.data_root={data}',
        f'test_dataloader.dataset.data_root={data}',
        f'param_scheduler.1.end={args.epochs}'])
    ckpt = sorted(glob.glob(osp.join(lifter_dir, 'best_*.pth')) or
                  glob.glob(osp.join(lifter_dir, 'epoch_*.pth')))[-1]
    sh([py, 'tools/test.py', CONFIG, ckpt, '--work-dir', osp.join(work, 'lifter_test'),
        '--cfg-options', f'test_dataloader.dataset.data_root={data}'])
    runs = sorted(glob.glob(osp.join(work, 'lifter_test', '*', '*.json')))
    metrics = json.load(open(runs[-1])) if runs else {}
    baseline = mean_pose_baseline(data, 48, 32)
    print('\nSynthGym test split (64 clips, detector-like 2D noise), millimetres:')
    print(f'{"method":34s} {"MPJPE":>8s} {"P-MPJPE":>8s} {"root":>8s}')
    print(f'{"dataset mean pose":34s} {baseline:8.1f} {"-":>8s} {"-":>8s}')
    print(f'{"TemporalConvLifter (" + str(args.epochs) + " epochs)":34s} '
          f'{metrics.get("pose3d/mpjpe", float("nan")):8.1f} '
          f'{metrics.get("pose3d/p-mpjpe", float("nan")):8.1f} '
          f'{metrics.get("pose3d/root", float("nan")):8.1f}')
    phys_dir = osp.join(work, 'finephys_skeleton')
    e = args.physics_epochs
    sh([py, 'tools/train.py', PHYSICS_CONFIG, '--work-dir', phys_dir, '--cfg-options',
        f'train_cfg.max_epochs={e}', f'train_cfg.val_interval={e}',
        f'train_dataloader.dataset.num_samples={args.train_clips}',
        f'train_dataloader.dataset.data_root={data}', f'val_dataloader.dataset.data_root={data}',
        f'test_dataloader.dataset.data_root={data}', f'param_scheduler.1.end={e}'])
    phys_ckpt = sorted(glob.glob(osp.join(phys_dir, 'best_*.pth')) or
                       glob.glob(osp.join(phys_dir, 'epoch_*.pth')))[-1]
    sh([py, 'tools/analysis_tools/eval_physics.py', PHYSICS_CONFIG, phys_ckpt, '--work-dir',
        osp.join(work, 'physics_report'), '--out', osp.join(work, 'physics_report.md'),
        '--cfg-options', f'test_dataloader.dataset.data_root={data}'])
    sample = osp.join(work, 'sample_input.npz')
    from finephys.datasets.synthgym import generate_clip
    clip = generate_clip('salto backward stretched with 1.5 twist', 123, num_frames=48)
    np.savez(sample, keypoints_2d=clip['keypoints_2d'], keypoint_scores=clip['keypoint_scores'],
             camera_K=clip['camera']['K'][0], fps=30.0, layout='h36m17')
    sh([py, 'tools/infer_skeleton.py', PHYSICS_CONFIG, phys_ckpt, sample, '--out-dir',
        osp.join(work, 'inference')])
    print(f'\ndone in {(time.time() - t0) / 60:.1f} min. Outputs under {work}:')
    print(f'  synthgym/synthgym_grid.gif|mp4, synthgym/3d_*.png  the world, every class')
    print(f'  lifter/, finephys_skeleton/  checkpoints, logs, TensorBoard events')
    print(f'  lifter_test/                 test metrics')
    print(f'  physics_report.md            data-driven vs physics vs fused')
    print(f'  inference/                   3D gif, 2D overlay, npz/json of a held-out salto')
    print(f'RESULT demo_mpjpe_mm={metrics.get("pose3d/mpjpe", float("nan")):.2f}')
    print(f'RESULT demo_mean_pose_mpjpe_mm={baseline:.2f}')


if __name__ == '__main__':
    main()
