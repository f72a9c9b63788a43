"""The main job on the embedded default (what `make demo` runs): train the tiny FinePhys pipeline
on SynthGym, stages 1 → 3, on CPU; generate videos; measure what physics and guidance buy.

    python tools/demo.py [--work-dir work_dirs/demo] [--physics-epochs 30] [--structured-epochs 30]
                         [--realmotion-lifter] [--realmotion-epochs 30]
                         [--in-context-lifter] [--in-context-epochs 30] [--train-clips 384]
                         [--pretrain-iters 40] [--stage3-iters 100] [--fidelity-clips 8]
                         [--pose-epochs 6] [--pose-clips 160] [--one-lane] [--cold-start]

Two lanes run side by side (finephys/utils/tool_lanes.py; every step's output in
<work-dir>/logs/NN_<step>.log; --one-lane runs them one after the other, with the same numbers).
Every Python step is forked from a server with the heavy libraries imported
(finephys/utils/warm_start.py: ~6 s less per step, the same numbers; one server for steps that
begin while the other lane runs, one for steps that begin alone, as OpenMP's wait policy differs;
--cold-start: a fresh interpreter for every step).

The skeleton lane: (1) sample grid video + 3D plots of every SynthGym class; (2) a SynthGym
cache for train/val/test; (3) stage 1 of the skeleton path (TemporalConvLifter + Phys-Net +
complementary fusion); (4) the physics-structured solver on the same lifter, its contact
predictor trained on SynthGym plus real mocap contacts (DeepMimic crawl/get-up, Isaac Lab,
holosoma), and the physics report (lifter vs val-tuned smoothers vs Phys-Net vs structured
physics, on SynthGym test and on DeepMimic real motion, flight detection per motion; vs the
dataset-mean pose), physics over inputs of 100–1000 frames (one solve vs window by window,
tools/analysis_tools/eval_long_sequence.py), and gravity's direction estimated from the scene on
SynthGym cameras tilted up to 20° (tools/analysis_tools/eval_gravity_direction.py); (5) skeleton
inference on a held-out salto (3D gif, 2D overlay); (6) a real video (Pose2Sim's demo, from its
pip wheel) through tools/infer_skeleton.py — MediaPipe BlazePose with one person tracked, camera
motion removed, MediaPipe's own 3D placed in the camera (Estimator3DLifter) + the structured
solver — and every view of both trials lifted alone by every lifter × physics vs the 4-view
triangulation (tools/analysis_tools/eval_real_video.py; BlazePose heavy with its flip test);
with --realmotion-lifter (~4 min more) the lifters include a TCN trained on SynthGym plus real
mocap (Isaac Lab, holosoma) seen with BlazePose's measured 2D noise, and with
--in-context-lifter (~25 min more) the in-context lifter (Skeleton-in-Context) trained on the same
real mocap, prompted with it.

The generator lane: (7) the SynthGym 2D pose detector (configs/pose_estimators/), trained on
32 px renders and tested; (8) the backbone: tiny SD1.5-layout folders + MotionAdapter,
pretrained on SynthGym video (the stand-in for public weights); (9) stage 3 (once stage 1 is
done): LoRA + skeleton adapter on the frozen backbone with the stage-1 skeleton path; (10) the
guidance-fidelity table — silhouette IoU of generated frames against SynthGym's rendering of the
guidance skeleton (whole frame and inside the body's box) and PCK@0.2 of the detector of (7)
against the guidance keypoints, trained model vs the same model with guidance zeroed vs the
ground-truth video; (11) one video per subset (FX-JUMP / FX-TURN / FX-SALTO) with overlays.

At the end of the lane that ends first (the generator's): (12) BlazePose's 2D noise measured on
the two-person trial (each view against the other three's triangulation) and the FineGym chain
on a FineGym-layout sample written from SynthGym (source videos + annotation JSON →
tools/dataset_converters/trim_finegym_videos.py → extract_finegym_skeletons.py with the detector
of (7) → stage 2 on the 2D from the stage-1 checkpoint, val reprojection error before/after).

Generation stays at 32 px: 64 px quadruples every pixel-space UNet pass (stage 3 alone would
take the demo's whole budget).
"""
import argparse
import functools
import glob
import os.path as osp
import sys
import time

import numpy as np

from finephys.apis.demo_models import (ESTIMATOR3D_PHYSNET_CONFIG, FINEGYM_STAGE2_CONFIG,
                                       IN_CONTEXT_CONFIG, IN_CONTEXT_DIR,
                                       IN_CONTEXT_PHYSNET_CONFIG, IN_CONTEXT_TRAIN_ARGS,
                                       PHYSICS_CONFIG, POSE_CONFIG, REALMOTION_SUPPORTS_ARGS,
                                       REALMOTION_TCN_CONFIG, REALMOTION_TCN_DIR,
                                       REALMOTION_TRAIN_ARGS, REALVIDEO_CONFIG, STAGE3_CONFIG,
                                       STRUCTURED_CONFIG)
from finephys.utils.tool_lanes import ToolLanes
from finephys.utils.tool_runner import latest_metrics
from finephys.utils.warm_start import DEFAULT_PRELOAD
from finephys.utils.weight_transplant import transplant_weights

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

PHYSICS_RESULTS = ('physics_vs_best_smoother_accel_reduction',
                   'physics_vs_best_smoother_ballistic_reduction',
                   'physics_vs_best_smoother_mpjpe_reduction', 'root_error_reduction',
                   'structured_ballistic_error', 'flight_recall', 'flight_precision')
DEMO_ACTIONS = ('split jump with 1 turn',
                '2 turn on one leg, free leg optional below horizontal',
                'salto backward stretched with 1.5 twist')


def mean_pose_baseline(data_root, num_frames, clip_len):
    """MPJPE (mm) of predicting the training set's mean root-relative pose for every frame."""
    from finephys.datasets import SynthGymDataset
    from finephys.evaluation import mpjpe
    train = SynthGymDataset(num_samples=64, split='train', num_frames=num_frames,
                            data_root=data_root)
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


def finegym_chain(lanes, work, py, stage1_ckpt, pose_ckpt):
    """The FineGym chain on a FineGym-layout sample written from SynthGym: raw source videos +
    annotation JSON → trimmed elements → 2D by the demo's detector into a PYSKL pickle → stage 2
    (2D only) from the stage-1 checkpoint; the val reprojection error before and after."""
    fg = osp.join(work, 'finegym_sample')
    ann = osp.join(fg, 'annotations')
    # the light steps in this process (each is shorter than an interpreter's start-up)
    lanes.run_in_process('tools/misc/write_finegym_sample.py',
                         ['--out', fg, '--subset', 'FX-JUMP', '--videos', '4', '--elements', '6'])
    lanes.run_in_process('tools/dataset_converters/trim_finegym_videos.py',
                         [osp.join(ann, 'finegym_annotation_info_v1.1.json'), '--videos-dir',
                          osp.join(fg, 'videos'), '--out-dir', fg, '--no-progress'])
    splits = [osp.join(ann, 'gym99_train_element_v1.1.txt'), osp.join(ann, 'gym99_val_element.txt')]
    every = osp.join(ann, 'all_elements.txt')
    with open(every, 'w') as f:
        f.write(''.join(open(s).read() for s in splits))
    skeletons = osp.join(fg, 'gym_detector.pkl')
    lanes.run_in_process('tools/dataset_converters/extract_finegym_skeletons.py',
                         [every, '--videos-dir', osp.join(fg, 'subactions'), '--out', skeletons,
                          '--pose-config', POSE_CONFIG, '--pose-checkpoint', pose_ckpt,
                          '--no-progress'])
    opts = []
    for loader, split in (('train', splits[0]), ('val', splits[1]), ('test', splits[1])):
        opts += [f'{loader}_dataloader.dataset.ann_file={split}',
                 f'{loader}_dataloader.dataset.categories_file={ann}/gym99_categories.txt',
                 f'{loader}_dataloader.dataset.skeleton_file={skeletons}']
    stage2 = osp.join(work, 'finephys_skeleton_stage2_finegym')
    lanes.run([py, 'tools/test.py', FINEGYM_STAGE2_CONFIG, stage1_ckpt, '--work-dir',
               osp.join(stage2, 'before'), '--cfg-options', *opts], 'test_finegym_before')
    before = latest_metrics(osp.join(stage2, 'before'))
    lanes.run([py, 'tools/train.py', FINEGYM_STAGE2_CONFIG, '--work-dir', stage2,
               '--cfg-options', f'load_from={stage1_ckpt}', *opts], 'train_finegym_stage2')
    lanes.run([py, 'tools/test.py', FINEGYM_STAGE2_CONFIG, osp.join(stage2, 'epoch_5.pth'),
               '--work-dir', osp.join(stage2, 'after'), '--cfg-options', *opts],
              'test_finegym_after')
    after = latest_metrics(osp.join(stage2, 'after'))
    return dict(before=before, after=after)


def newest_checkpoint(work_dir):
    """The best checkpoint of a run (else its last epoch's)."""
    return sorted(glob.glob(osp.join(work_dir, 'best_*.pth')) or
                  glob.glob(osp.join(work_dir, 'epoch_*.pth')))[-1]


def realmotion_lifter(lanes, args, work, py, data_opts):
    """The real-motion lifter (``--realmotion-lifter``): TCN + structured solver from scratch on
    SynthGym plus real mocap (Isaac Lab, holosoma; DeepMimic held out), both seen with
    BlazePose's measured 2D noise — its SynthGym clips are generated with that noise on the fly
    (the demo's cache holds SynthGym's); returns its checkpoint."""
    rm_train = osp.join(work, 'data', 'realmotion', 'train_blazepose.npz')
    lanes.run_in_process('tools/dataset_converters/generate_realmotion.py',
                         ['--out', rm_train, *REALMOTION_TRAIN_ARGS],
                         'generate_realmotion_train')
    rm_dir = osp.join(work, REALMOTION_TCN_DIR)
    epochs = args.realmotion_epochs
    lanes.run([py, 'tools/train.py', REALMOTION_TCN_CONFIG, '--work-dir', rm_dir,
               '--cfg-options', f'train_cfg.max_epochs={epochs}',
               f'train_cfg.val_interval={epochs}', f'param_scheduler.1.end={epochs}',
               f'train_dataloader.dataset.datasets.0.num_samples={args.train_clips}',
               f'train_dataloader.dataset.datasets.1.ann_file={rm_train}', *data_opts],
              'train_realmotion_tcn')
    return newest_checkpoint(rm_dir)


def in_context_lifter(lanes, args, work, py, data, data_opts):
    """The in-context lifter (``--in-context-lifter``): Skeleton-in-Context + structured solver
    from scratch on SynthGym (the demo's cache) plus real mocap (Isaac Lab, holosoma; DeepMimic
    held out) seen with SynthGym's 2D noise, validated every 5 epochs; returns its best
    validation checkpoint."""
    train = osp.join(work, 'data', 'realmotion', 'train.npz')
    lanes.run_in_process('tools/dataset_converters/generate_realmotion.py',
                         ['--out', train, *IN_CONTEXT_TRAIN_ARGS], 'generate_in_context_train')
    ic_dir = osp.join(work, IN_CONTEXT_DIR)
    epochs = args.in_context_epochs
    lanes.run([py, 'tools/train.py', IN_CONTEXT_CONFIG, '--work-dir', ic_dir,
               '--cfg-options', f'train_cfg.max_epochs={epochs}',
               f'train_cfg.val_interval={min(5, epochs)}', f'param_scheduler.1.end={epochs}',
               f'train_dataloader.dataset.datasets.0.num_samples={args.train_clips}',
               f'train_dataloader.dataset.datasets.0.data_root={data}',
               f'train_dataloader.dataset.datasets.1.ann_file={train}', *data_opts],
              'train_in_context_lifter')
    return newest_checkpoint(ic_dir)


def late_skeleton_steps(lanes, work, py, phys_ckpt, pose_ckpt):
    """Two skeleton-path steps that need nothing of the skeleton lane's later work, run at the
    end of the generator lane (the one that ends first): BlazePose's 2D noise, each view of the
    two-person trial against the other three's triangulation (the real-motion lifter's noise
    model), and the FineGym chain. Returns ``(noise2d results, FineGym before/after)``."""
    noise2d = lanes.run_results([py, 'tools/analysis_tools/measure_2d_noise.py', '--out',
                                 osp.join(work, 'real_video', 'noise_2d.json')],
                                'measure_2d_noise')
    return noise2d, finegym_chain(lanes, work, py, phys_ckpt, pose_ckpt)


def skeleton_lane(lanes, args, work, py, out):
    """The skeleton path: data, stage 1 (→ ``out['phys_ckpt']``), the structured solver, the
    physics report, long inputs, gravity, a held-out salto, the real-motion lifter (with
    ``--realmotion-lifter``) and real video."""
    sh, sh_results = lanes.run, lanes.run_results
    sh([py, 'tools/misc/visualize_synthgym.py', '--out', osp.join(work, 'synthgym'),
        '--size', '128', '--overlay'])
    data = osp.join(work, 'data', 'synthgym')
    sh([py, 'tools/dataset_converters/generate_synthgym.py', '--out', data, '--splits',
        f'train:{args.train_clips}', 'val:64', 'test:64', '--num-frames', '48'])
    # stage 1: the skeleton path
    phys_dir = osp.join(work, 'finephys_skeleton')
    e = args.physics_epochs
    sh([py, 'tools/train.py', PHYSICS_CONFIG, '--work-dir', phys_dir, '--cfg-options',
        f'train_cfg.max_epochs={e}', f'train_cfg.val_interval={e}',
        f'train_dataloader.dataset.num_samples={args.train_clips}',
        f'train_dataloader.dataset.data_root={data}', f'val_dataloader.dataset.data_root={data}',
        f'test_dataloader.dataset.data_root={data}', f'param_scheduler.1.end={e}'],
       'train_stage1')
    phys_ckpt = newest_checkpoint(phys_dir)
    out['phys_ckpt'].set_result(phys_ckpt)
    # the physics-structured solver on the same (frozen) lifter, then the physics report:
    # lifter vs val-tuned smoothers vs paper-faithful Phys-Net vs structured physics, on SynthGym
    # test and on real motion (DeepMimic mocap from the pybullet wheel)
    # its contact predictor learns from SynthGym and real mocap contacts (DeepMimic's crawl and
    # get-up, Isaac Lab's AMP dance/walk, holosoma's climbs; read from installed wheels)
    struct_dir = osp.join(work, 'finephys_skeleton_structured')
    supports = osp.join(work, 'data', 'realmotion', 'train_supports.npz')
    lanes.run_in_process('tools/dataset_converters/generate_realmotion.py',
                         ['--out', supports, *REALMOTION_SUPPORTS_ARGS],
                         'generate_realmotion_contacts')
    se = args.structured_epochs
    sh([py, 'tools/train.py', STRUCTURED_CONFIG, '--work-dir', struct_dir, '--cfg-options',
        f'load_from={phys_ckpt}', f'train_cfg.max_epochs={se}', f'train_cfg.val_interval={se}',
        f'train_dataloader.dataset.datasets.0.num_samples={args.train_clips}',
        f'train_dataloader.dataset.datasets.0.data_root={data}',
        f'train_dataloader.dataset.datasets.1.ann_file={supports}',
        f'val_dataloader.dataset.data_root={data}',
        f'test_dataloader.dataset.data_root={data}', f'param_scheduler.1.end={se}'],
       'train_structured')
    struct_ckpt = newest_checkpoint(struct_dir)
    realmotion = osp.join(work, 'data', 'realmotion', 'test.npz')
    sh([py, 'tools/dataset_converters/generate_realmotion.py', '--out', realmotion],
       'generate_realmotion_test')
    data_opts = [f'val_dataloader.dataset.data_root={data}',
                 f'test_dataloader.dataset.data_root={data}']
    phys = sh_results([py, 'tools/analysis_tools/eval_physics.py', STRUCTURED_CONFIG, struct_ckpt,
                       '--compare', PHYSICS_CONFIG, phys_ckpt, '--realmotion', realmotion,
                       '--work-dir', osp.join(work, 'physics_report'), '--out',
                       osp.join(work, 'physics_report.md'), '--cfg-options', *data_opts])
    # physics over inputs longer than a window (100–1000 frames of SynthGym test
    # performances): one solve over the input vs the blend of separately solved windows
    longseq = sh_results([py, 'tools/analysis_tools/eval_long_sequence.py', STRUCTURED_CONFIG,
                          struct_ckpt])
    # gravity's direction from the scene (the ground, the flights, the upright body) on SynthGym
    # test performances filmed by tilted cameras (up to 20° pitch and roll)
    gravity = sh_results([py, 'tools/analysis_tools/eval_gravity_direction.py', STRUCTURED_CONFIG,
                          struct_ckpt, '--num-clips', '32',
                          '--out-dir', osp.join(work, 'gravity_direction')])
    baseline = mean_pose_baseline(data, 48, 32)
    sample = osp.join(work, 'sample_input.npz')
    from finephys.datasets.synthgym import generate_clip
    clip = generate_clip('salto backward stretched with 1.5 twist', 123, num_frames=48)
    np.savez(sample, keypoints_2d=clip['keypoints_2d'], keypoint_scores=clip['keypoint_scores'],
             camera_K=clip['camera']['K'][0], fps=30.0, layout='h36m17')
    sh([py, 'tools/infer_skeleton.py', PHYSICS_CONFIG, phys_ckpt, sample, '--out-dir',
        osp.join(work, 'inference')], 'infer_skeleton_salto')
    rm_ckpt = realmotion_lifter(lanes, args, work, py, data_opts) if args.realmotion_lifter \
        else None
    ic_ckpt = in_context_lifter(lanes, args, work, py, data, data_opts) \
        if args.in_context_lifter else None
    # real video (Pose2Sim's demo, from its pip wheel): MediaPipe BlazePose tracked, camera
    # motion removed, lifted; then every view lifted alone vs the 4-view triangulation
    from finephys.datasets.pose2sim_demo import locate_pose2sim_demo
    real_video = osp.join(locate_pose2sim_demo(), 'videos', 'cam02.mp4')
    sh([py, 'tools/infer_skeleton.py', REALVIDEO_CONFIG, struct_ckpt, real_video, '--out-dir',
        osp.join(work, 'real_video')], 'infer_skeleton_real_video')
    # one table: every lifter (MediaPipe's own 3D placed in the camera, the real-motion TCN,
    # the in-context lifter, the SynthGym TCN) × physics (none = the lifter's row, Phys-Net,
    # structured)
    rows = ['--name', 'estimator3d-structured',
            '--compare', 'estimator3d-physnet', ESTIMATOR3D_PHYSNET_CONFIG, phys_ckpt]
    # a trained lifter under Phys-Net: Phys-Net's checkpoint with that lifter's weights
    for name, ckpt, config, physnet_config in (
            ('realmotion-tcn', rm_ckpt, REALMOTION_TCN_CONFIG, PHYSICS_CONFIG),
            ('in-context', ic_ckpt, IN_CONTEXT_CONFIG, IN_CONTEXT_PHYSNET_CONFIG)):
        if ckpt is not None:
            crossed = osp.join(work, 'real_video', f'{name}-physnet.pth')
            transplant_weights(phys_ckpt, ckpt, crossed)
            rows += ['--compare', f'{name}-structured', config, ckpt,
                     '--compare', f'{name}-physnet', physnet_config, crossed]
    multiperson_rows = list(rows)     # the two-person trial: the SynthGym TCN rows left out
    rows += ['--compare', 'tcn-structured', STRUCTURED_CONFIG, struct_ckpt,
             '--compare', 'tcn-physnet', PHYSICS_CONFIG, phys_ckpt]
    realvideo = sh_results([py, 'tools/analysis_tools/eval_real_video.py', REALVIDEO_CONFIG,
                            struct_ckpt, *rows, '--out-dir', osp.join(work, 'real_video', 'eval')])
    realvideo.update(sh_results([py, 'tools/analysis_tools/eval_real_video.py', REALVIDEO_CONFIG,
                                 struct_ckpt, *multiperson_rows, '--trial', 'Demo_MultiPerson',
                                 '--out-dir', osp.join(work, 'real_video', 'eval_multiperson')],
                                'eval_real_video_multiperson'))
    return dict(phys=phys, longseq=longseq, gravity=gravity, baseline=baseline,
                realvideo=realvideo)


def generator_lane(lanes, args, work, py, out):
    """The generator: the pose detector, the pretrained tiny backbone,
    stage 3 (after ``out['phys_ckpt']``), the guidance fidelity and three videos, then
    :func:`late_skeleton_steps`."""
    sh, sh_results = lanes.run, lanes.run_results
    # the pose detector that scores generated frames (PCK against the guidance keypoints) and
    # gives the FineGym chain its 2D
    pose_dir = osp.join(work, 'pose_estimator')
    pe = args.pose_epochs
    sh([py, 'tools/train.py', POSE_CONFIG, '--work-dir', pose_dir, '--cfg-options',
        f'train_cfg.max_epochs={pe}', f'train_cfg.val_interval={pe + 1}',
        f'param_scheduler.0.T_max={pe}', f'default_hooks.checkpoint.interval={pe}',
        f'train_dataloader.dataset.num_samples={args.pose_clips}'], 'train_pose_estimator')
    pose_ckpt = osp.join(pose_dir, f'epoch_{pe}.pth')
    sh([py, 'tools/test.py', POSE_CONFIG, pose_ckpt, '--work-dir',
        osp.join(pose_dir, 'test')], 'test_pose_estimator')
    pose_val = latest_metrics(osp.join(pose_dir, 'test'))


    # the backbone: tiny random SD1.5-layout folders, pretrained on SynthGym video
    pre = osp.join(work, 'pretrained')
    sh([py, 'tools/misc/write_tiny_pretrained.py', '--out', pre])
    backbone = sh_results([py, 'tools/misc/pretrain_tiny_backbone.py',
                           osp.join(pre, 'tiny-sd15-pixel'), osp.join(pre, 'tiny-motion-adapter'),
                           '--out', osp.join(pre, 'synthgym-pixel'),
                           '--iters', str(args.pretrain_iters)])
    paths = [f'model.generator.pretrained_model_path={pre}/synthgym-pixel/sd15',
             f'model.generator.motion_adapter_path={pre}/synthgym-pixel/motion_adapter']

    # stage 3: LoRA + skeleton adapter, skeleton path from stage 1 (frozen)
    phys_ckpt = out['phys_ckpt'].result()
    gen_dir = osp.join(work, 'finephys_tiny')
    it = args.stage3_iters
    sh([py, 'tools/train.py', STAGE3_CONFIG, '--work-dir', gen_dir, '--cfg-options', *paths,
        f'model.skeleton_checkpoint={phys_ckpt}', f'train_cfg.max_iters={it}',
        # no val sampling at the end (the fidelity tests below sample the test clips):
        # IterBasedTrainLoop validates at max_iters whatever val_interval says, not before
        # val_begin
        f'train_cfg.val_interval={it + 1}', f'train_cfg.val_begin={it + 1}',
        f'default_hooks.checkpoint.interval={it}', f'custom_hooks.1.interval={it}'],
       'train_stage3')
    gen_ckpt = osp.join(gen_dir, f'iter_{it}.pth')
    fidelity = {}
    for name, zero in (('trained', False), ('zero', True)):
        sh([py, 'tools/test.py', STAGE3_CONFIG, gen_ckpt, '--work-dir',
            osp.join(work, f'fidelity_{name}'), '--cfg-options', *paths,
            f'model.zero_guidance={zero}',
            f'test_evaluator.0.pose_estimator.checkpoint={pose_ckpt}',
            f'test_evaluator.1.pose_estimator.checkpoint={pose_ckpt}',
            f'test_evaluator.1.skeleton_checkpoint={phys_ckpt}',
            f'test_dataloader.dataset.num_samples={args.fidelity_clips}'], f'fidelity_{name}')
        fidelity[name] = latest_metrics(osp.join(work, f'fidelity_{name}'))
    sh([py, 'tools/infer.py', STAGE3_CONFIG, *DEMO_ACTIONS, '--checkpoint', gen_ckpt, '--out-dir',
        osp.join(work, 'generation'), '--cfg-options', *paths])
    late = late_skeleton_steps(lanes, work, py, phys_ckpt, pose_ckpt)
    return dict(backbone=backbone, fidelity=fidelity, pose_val=pose_val, late=late)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--work-dir', default='work_dirs/demo')
    p.add_argument('--physics-epochs', type=int, default=30)
    p.add_argument('--structured-epochs', type=int, default=30)
    p.add_argument('--realmotion-lifter', action='store_true',
                   help='also train the real-motion lifter (TCN + structured physics on SynthGym '
                        "+ real mocap, BlazePose's 2D noise) and add it to the real-video tables "
                        '(~4 min more on 2 cores)')
    p.add_argument('--realmotion-epochs', type=int, default=30,
                   help="the real-motion lifter's epochs (its documented recipe: 30)")
    p.add_argument('--in-context-lifter', action='store_true',
                   help='also train the in-context lifter (Skeleton-in-Context + structured '
                        'physics on SynthGym + real mocap) and add it to the real-video tables '
                        '(~25 min more on 2 cores)')
    p.add_argument('--in-context-epochs', type=int, default=30,
                   help="the in-context lifter's epochs (validated every 5; its recipe: 30)")
    p.add_argument('--train-clips', type=int, default=384)
    p.add_argument('--pretrain-iters', type=int, default=40)
    p.add_argument('--stage3-iters', type=int, default=100)
    p.add_argument('--fidelity-clips', type=int, default=8)
    p.add_argument('--pose-epochs', type=int, default=6)
    p.add_argument('--pose-clips', type=int, default=160)
    p.add_argument('--one-lane', action='store_true',
                   help='run the two lanes one after the other (same numbers, ~1.3x longer)')
    p.add_argument('--cold-start', action='store_true',
                   help='start every step in a fresh interpreter (default: a Python step is '
                        'forked from a process with torch, mmengine, diffusers and the models '
                        'imported; same numbers, ~6 s less per step)')
    args = p.parse_args()
    work = osp.abspath(args.work_dir)
    t0 = time.time()
    py = sys.executable
    lanes = ToolLanes(osp.join(work, 'logs'),
                      warm_preload=None if args.cold_start else DEFAULT_PRELOAD)
    print(f'Two lanes side by side: the skeleton path and the generator; each step\'s output '
          f'goes to {osp.join(work, "logs")}/NN_<step>.log', flush=True)
    out = dict(phys_ckpt=lanes.promise())
    # the noise measurement and the FineGym chain run at the end of the lane that ends first:
    # the generator's (the skeleton lane is the longer one since the real-video evaluation runs
    # BlazePose heavy with its flip test: 631 s against 597 at stop 47; one lane: the
    # generator's too, whose detector the FineGym chain needs)
    skeleton = functools.partial(skeleton_lane, lanes, args, work, py, out)
    generator = functools.partial(generator_lane, lanes, args, work, py, out)
    if args.one_lane:
        # the generator waits for stage 1 (stage 3): the skeleton lane first
        def one_after_the_other():
            return dict(skeleton=skeleton(), generator=generator())
        done = lanes.run_lanes(one=one_after_the_other)['one']
    else:
        done = lanes.run_lanes(skeleton=skeleton, generator=generator)
    lanes.close()
    sk, gen = done['skeleton'], done['generator']
    phys, longseq, gravity = sk['phys'], sk['longseq'], sk['gravity']
    noise2d, finegym = gen['late']
    baseline, realvideo = sk['baseline'], sk['realvideo']
    realvideo.update(noise2d)
    backbone, fidelity, pose_val = gen['backbone'], gen['fidelity'], gen['pose_val']
    it = args.stage3_iters

    nan = float('nan')
    print('\nPhysics (structured solver vs the best val-tuned smoother of the lifter; '
          f'full tables in {osp.join(work, "physics_report.md")}):')
    print(f'dataset-mean pose MPJPE on SynthGym test: {baseline:.1f} mm')
    for set_name in ('synthgym', 'realmotion'):
        print(f'  {set_name:10s} ' + '  '.join(
            f'{k}={phys.get(f"{set_name}_{k}", nan):.3f}' for k in PHYSICS_RESULTS))
    print('  long inputs (100–1000 frames): max |c̈ − g| in flight, S_pp and S: one solve '
          f'{longseq.get("long_sequence_ballistic_error", nan):.2g} m/s², window by window '
          f'{longseq.get("long_sequence_ballistic_error_windows", nan):.3g} m/s² '
          f'({longseq.get("long_sequence_flight_boundary_crossings", nan):.0f} flights across '
          'window boundaries)')
    gv = gravity.get
    print("  gravity's direction from the scene, cameras tilted up to 20°: median error "
          f'{gv("synthgym_gravity_direction_error_deg", nan):.1f}° (a level camera '
          f'{gv("synthgym_gravity_direction_error_level_deg", nan):.1f}°; the same estimator on '
          f'the true 3D {gv("synthgym_gravity_direction_error_oracle_deg", nan):.1f}°); S_pp '
          f'|c̈ − g| in flight {gv("synthgym_tilted_ballistic_error_scene", nan):.2f} m/s² '
          f'(level {gv("synthgym_tilted_ballistic_error_level", nan):.2f}, true gravity '
          f'{gv("synthgym_tilted_ballistic_error_true", nan):.2f})')
    rv = realvideo.get
    print('\nReal video (Pose2Sim demo, 4 calibrated views): each view lifted alone by the '
          'default real-video path (MediaPipe\'s 3D placed in the camera + structured physics) '
          'vs the triangulated reference, filtered as Pose2Sim filters it (reprojection '
          f'{rv("realvideo_reference_reprojection_px", nan):.1f} px): fused MPJPE '
          f'{rv("realvideo_mpjpe", nan):.0f} mm, P-MPJPE {rv("realvideo_p_mpjpe", nan):.1f} mm '
          f'(MediaPipe\'s own 3D {rv("realvideo_mediapipe_world_p_mpjpe", nan):.1f}, averaged '
          f'with its mirror image\'s {rv("realvideo_mediapipe_world_flip_p_mpjpe", nan):.1f}), '
          'accel '
          f'{rv("realvideo_accel_error", nan):.1f} mm/f² (MediaPipe '
          f'{rv("realvideo_mediapipe_world_accel_error", nan):.1f}; a skeleton that does not '
          f'move {rv("realvideo_still_skeleton_accel_error", nan):.1f}; against the raw, '
          f'unfiltered triangulation {rv("realvideo_raw_reference_accel_error", nan):.1f} vs '
          f'MediaPipe {rv("realvideo_raw_reference_mediapipe_world_accel_error", nan):.1f}, '
          f'floor {rv("realvideo_raw_reference_still_skeleton_accel_error", nan):.1f}), bones '
          f'{rv("realvideo_bone_cv", nan):.1f} %, root {rv("realvideo_root_error", nan):.0f} mm, '
          f'2D reprojection {rv("realvideo_reprojection_px", nan):.1f} px; two-person trial '
          f'P-MPJPE {rv("realvideo_multiperson_p_mpjpe", nan):.1f} mm (MediaPipe '
          f'{rv("realvideo_multiperson_mediapipe_world_p_mpjpe", nan):.1f}, flip-averaged '
          f'{rv("realvideo_multiperson_mediapipe_world_flip_p_mpjpe", nan):.1f}); gravity\'s '
          'direction from each view\'s scene '
          f'{rv("realvideo_gravity_direction_error_deg", nan):.1f}° off the calibration (a '
          f'level camera {rv("realvideo_gravity_direction_error_level_deg", nan):.1f}°) '
          f'(tables: {osp.join(work, "real_video", "eval*", "report.md")}). BlazePose\'s 2D '
          'noise (two-person trial, each view vs the other three, % of the person\'s size): '
          f'{100 * rv("noise2d_jitter_corrected", nan):.2f} % frame to frame, '
          f'{100 * rv("noise2d_bias_corrected", nan):.1f} % held over the clip, dropouts '
          f'{100 * rv("noise2d_dropout", nan):.1f} %')
    lifter_rows = (('MediaPipe 3D + structured', 'estimator3d_structured'),
                   ('real-motion TCN + structured', 'realmotion_tcn_structured'),
                   ('in-context + structured', 'in_context_structured'),
                   ('SynthGym TCN + structured', 'tcn_structured'))
    print('  the lifters on the same views, fused P-MPJPE single-person / two-person (mm): ' +
          '; '.join(f'{label} {rv(f"realvideo_model_{key}_p_mpjpe", nan):.1f} / '
                    f'{rv(f"realvideo_multiperson_model_{key}_p_mpjpe", nan):.1f}'
                    for label, key in lifter_rows) + ' (nan: not run there; the real-motion TCN '
          'with --realmotion-lifter, the in-context lifter with --in-context-lifter)')
    print(f'\nGuidance fidelity ({args.fidelity_clips} SynthGym test clips, {it} stage-3 '
          'iterations, the same noise for every row): silhouette IoU of generated frames vs '
          'SynthGym\'s rendering of the guidance skeleton (whole frame, and inside the body\'s '
          'box), PCK@0.2 of the SynthGym pose detector against the guidance keypoints')
    tr, zr = fidelity['trained'], fidelity['zero']
    print(f'{"model":34s} {"IoU":>6s} {"local IoU":>9s} {"PCK@0.2":>8s} {"PSNR dB":>8s}')
    for label, row in (('FinePhys (trained guidance)', tr), ('same model, guidance zeroed', zr)):
        print(f'{label:34s} {row.get("guidance/iou", nan):6.3f} '
              f'{row.get("guidance/iou_local", nan):9.3f} {row.get("guidance/pck", nan):8.3f} '
              f'{row.get("guidance/psnr", nan):8.2f}')
    print(f'{"ground-truth video (ceiling)":34s} {tr.get("guidance/iou_gt_video", nan):6.3f} '
          f'{tr.get("guidance/iou_local_gt_video", nan):9.3f} '
          f'{tr.get("guidance/pck_gt_video", nan):8.3f} {"-":>8s}')
    print('\nMotion in the generated videos (MotionPlausibilityMetric: the detector above, then '
          'the stage-1 lifter with physics off, on the output pixels): 2D error vs the guidance '
          'keypoints, MPJPE / P-MPJPE vs the guidance 3D, acceleration error vs it (mm/frame²), '
          'root-relative jitter (m/s³); at 32 px the 3D terms are dominated by the detector\'s '
          '~5 px error (docs/benchmarks.md#motion-in-generated-video)')
    print(f'{"model":34s} {"2D px":>6s} {"MPJPE mm":>9s} {"P-MPJPE":>8s} {"accel":>7s} '
          f'{"jitter":>8s}')
    motion_keys = ('error_2d_px', 'mpjpe', 'p_mpjpe', 'accel_error', 'jitter_rel')
    for label, row, suffix in (('FinePhys (trained guidance)', tr, ''),
                               ('same model, guidance zeroed', zr, ''),
                               ('ground-truth video (ceiling)', tr, '_gt_video')):
        v = [row.get(f'motion/{k}{suffix}', nan) for k in motion_keys]
        print(f'{label:34s} {v[0]:6.2f} {1000 * v[1]:9.0f} {1000 * v[2]:8.0f} '
              f'{1000 * v[3]:7.1f} {v[4]:8.1f}')
    print(f'pose detector on SynthGym test renders: PCK@0.2 '
          f'{pose_val.get("keypoint_2d/pck", nan):.3f}, mean error '
          f'{pose_val.get("keypoint_2d/mean_px_error", nan):.2f} px')
    fb, fa = finegym['before'], finegym['after']
    print('\nFineGym chain on a SynthGym-made FineGym-layout sample (FX-JUMP; trimmed, 2D by the '
          'detector above): val reprojection error of the fused 3D, stage-1 checkpoint '
          f'{fb.get("reproj2d/px_fused", nan):.2f} px -> after stage 2 (2D only) '
          f'{fa.get("reproj2d/px_fused", nan):.2f} px; physics rollout S_pp '
          f'{fb.get("reproj2d/px_pp", nan):.2f} -> {fa.get("reproj2d/px_pp", nan):.2f} px')
    busy = {}
    for lane, _, seconds, _ in lanes.timings:
        busy[lane] = busy.get(lane, 0.0) + seconds
    print(f'\ndone in {(time.time() - t0) / 60:.1f} min (steps of each lane, one after the '
          'other: ' + ', '.join(f'{lane} {seconds / 60:.1f} min' for lane, seconds in
                                busy.items()) + f'; seconds per step in {work}/logs/). '
          f'Outputs under {work}:')
    print('  synthgym/synthgym_grid.gif|mp4, synthgym/3d_*.png  the world, every class')
    print('  finephys_skeleton/, finephys_tiny/   checkpoints, logs, TensorBoard events, '
          'vis/ grids')
    print('  physics_report.md (+ *_com_height.png)  lifter vs smoothers vs Phys-Net vs '
          'structured physics, SynthGym and real motion')
    print('  gravity_direction/report.md          gravity\'s direction from the scene vs a level '
          'camera, tilted SynthGym cameras')
    print('  inference/                           3D gif, 2D overlay of a held-out salto')
    print('  real_video/                          a real video: tracked MediaPipe 2D, 3D gif, '
          'overlay; eval/report.md; noise_2d.json (BlazePose\'s 2D noise)')
    if args.realmotion_lifter:
        print(f'  {REALMOTION_TCN_DIR}/  the lifter trained on SynthGym + real mocap')
    if args.in_context_lifter:
        print(f'  {IN_CONTEXT_DIR}/  the in-context lifter trained on SynthGym + real '
              'mocap')
    print('  pretrained/synthgym-pixel/           the pretrained tiny backbone (+ loss curve)')
    print('  finegym_sample/, finephys_skeleton_stage2_finegym/   the FineGym chain on a sample: '
          'source videos, trimmed elements, PYSKL pickle, stage 2')
    print('  generation/                          one video per subset: mp4/gif, side by side '
          'with the skeleton, 3D plot, heatmap pyramid')
    print('\nTry it in a browser: `make app` (or python tools/app.py) serves these models on '
          'http://127.0.0.1:7860 — Video → 3D, SynthGym, generation (docs/app.md)')
    for set_name in ('synthgym', 'realmotion'):
        for k in PHYSICS_RESULTS:
            print(f'RESULT {set_name}_{k}={phys.get(f"{set_name}_{k}", nan):.4f}')
    for k in ('ballistic_error', 'ballistic_error_windows'):
        print(f'RESULT long_sequence_{k}={longseq.get(f"long_sequence_{k}", nan):.3g}')
    for k in ('synthgym_gravity_direction_error_deg', 'synthgym_gravity_direction_error_level_deg',
              'synthgym_gravity_direction_error_oracle_deg'):
        print(f'RESULT {k}={gravity.get(k, nan):.2f}')
    for src in ('scene', 'level', 'true'):
        print(f'RESULT synthgym_tilted_ballistic_error_{src}='
              f'{gravity.get(f"synthgym_tilted_ballistic_error_{src}", nan):.3f}')
    print(f'RESULT demo_mean_pose_mpjpe_mm={baseline:.2f}')
    print(f'RESULT demo_pretrain_loss_last={backbone.get("pretrain_loss_last", nan):.4f}')
    print(f'RESULT demo_guidance_iou_trained={tr.get("guidance/iou", nan):.4f}')
    print(f'RESULT demo_guidance_iou_zero={zr.get("guidance/iou", nan):.4f}')
    print(f'RESULT demo_guidance_iou_gt_video={tr.get("guidance/iou_gt_video", nan):.4f}')
    print(f'RESULT demo_guidance_iou_local_trained={tr.get("guidance/iou_local", nan):.4f}')
    print(f'RESULT demo_guidance_iou_local_zero={zr.get("guidance/iou_local", nan):.4f}')
    print(f'RESULT demo_guidance_iou_local_gt_video='
          f'{tr.get("guidance/iou_local_gt_video", nan):.4f}')
    print(f'RESULT demo_guidance_pck_trained={tr.get("guidance/pck", nan):.4f}')
    print(f'RESULT demo_guidance_pck_zero={zr.get("guidance/pck", nan):.4f}')
    print(f'RESULT demo_guidance_pck_gt_video={tr.get("guidance/pck_gt_video", nan):.4f}')
    for k, scale in (('error_2d_px', 1), ('mpjpe', 1000), ('accel_error', 1000),
                     ('jitter_rel', 1)):
        name = {'mpjpe': 'mpjpe_mm', 'accel_error': 'accel_error_mm'}.get(k, k)
        for side, row, suffix in (('trained', tr, ''), ('zero', zr, ''),
                                  ('gt_video', tr, '_gt_video')):
            print(f'RESULT demo_motion_{name}_{side}='
                  f'{scale * row.get(f"motion/{k}{suffix}", nan):.4f}')
    for k, src in (('before', fb), ('after', fa)):
        for name in ('fused', 'pp'):
            print(f'RESULT demo_finegym_stage2_px_{name}_{k}='
                  f'{src.get(f"reproj2d/px_{name}", nan):.3f}')
    print(f'RESULT demo_pose_estimator_test_pck={pose_val.get("keypoint_2d/pck", nan):.4f}')
    for k in ('mpjpe', 'p_mpjpe', 'accel_error', 'bone_cv', 'root_error', 'reprojection_px',
              'mediapipe_world_p_mpjpe', 'mediapipe_world_accel_error',
              'mediapipe_world_flip_p_mpjpe', 'mediapipe_world_flip_accel_error',
              'still_skeleton_accel_error', 'raw_reference_accel_error',
              'raw_reference_mediapipe_world_accel_error',
              'raw_reference_still_skeleton_accel_error', 'multiperson_p_mpjpe',
              'multiperson_mediapipe_world_p_mpjpe', 'multiperson_mediapipe_world_flip_p_mpjpe',
              'gravity_direction_error_deg',
              'gravity_direction_error_level_deg', 'multiperson_gravity_direction_error_deg'):
        print(f'RESULT demo_realvideo_{k}={realvideo.get(f"realvideo_{k}", nan):.2f}')
    for trial in ('', 'multiperson_'):
        for name, key in (('realmotion_tcn', 'realmotion_tcn_structured'),
                          ('in_context', 'in_context_structured'),
                          ('synthgym_tcn', 'tcn_structured')):
            print(f'RESULT demo_realvideo_{trial}{name}_p_mpjpe='
                  f'{realvideo.get(f"realvideo_{trial}model_{key}_p_mpjpe", nan):.2f}')
    for k in ('jitter_corrected', 'bias_corrected', 'dropout', 'dropout_offset', 'swap'):
        print(f'RESULT demo_noise2d_{k}={realvideo.get(f"noise2d_{k}", nan):.4f}')
    print(f'RESULT demo_minutes={(time.time() - t0) / 60:.2f}')


if __name__ == '__main__':
    main()
