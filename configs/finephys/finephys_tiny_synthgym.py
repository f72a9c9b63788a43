# The CPU default of the full model (stage 3): a pixel-space tiny AnimateDiff backbone (no VAE:
# a random VAE cannot reconstruct frames) trained on 32 px SynthGym videos with skeleton guidance.
# The backbone stands in for SD1.5 + AnimateDiff: tiny random folders, then a few minutes of
# text-to-video pretraining on SynthGym (what `make demo` runs):
#   python tools/misc/write_tiny_pretrained.py --out work_dirs/pretrained
#   python tools/misc/pretrain_tiny_backbone.py work_dirs/pretrained/tiny-sd15-pixel \
#       work_dirs/pretrained/tiny-motion-adapter --out work_dirs/pretrained/synthgym-pixel
# Skeleton path: a stage-1 checkpoint via
#   --cfg-options model.skeleton_checkpoint=work_dirs/.../best_*.pth
# val/test sample videos and score them with GuidanceFidelityMetric (test also with
# MotionPlausibilityMetric, docs/evaluation.md); the no-guidance side of the
# comparison: tools/test.py ... --cfg-options model.zero_guidance=True
_base_ = ['../_base_/default_runtime.py']

render_size = 32
clip_len = 8
pipeline = [
    dict(type='SampleFrames', clip_len=clip_len, random=False),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='PackSkeletonInputs', input_keys=('keypoints_2d_norm', 'keypoint_scores', 'video'),
         target_keys=('text', 'fps', 'label', 'sample_idx', 'keypoints_3d', 'stature')),
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    sampler=dict(type='ResumableSampler', shuffle=True), collate_fn=dict(type='default_collate'),
    dataset=dict(type='SynthGymDataset', split='train', num_samples=64, num_frames=16,
                 render_size=render_size, data_root=None, pipeline=pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'),
    dataset=dict(type='SynthGymDataset', split='val', num_samples=4, num_frames=16,
                 render_size=render_size, data_root=None, pipeline=pipeline))
test_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'),
    dataset=dict(type='SynthGymDataset', split='test', num_samples=16, num_frames=16,
                 render_size=render_size, data_root=None, pipeline=pipeline))
# PCK needs the SynthGym keypoint detector: train configs/pose_estimators/heatmap-pose-net_*.py
# and set test_evaluator.0.pose_estimator.checkpoint (None: no PCK, logged)
pose_estimator = dict(type='HeatmapPoseEstimator',
                      config='configs/pose_estimators/heatmap-pose-net_c16-32-64_synthgym-32px.py',
                      checkpoint=None)
val_evaluator = dict(type='GuidanceFidelityMetric', threshold=16, pck_alpha=0.2,
                     pose_estimator=pose_estimator)
# test also runs the pose pipeline on the generated videos (the detector above, then the
# stage-1 skeleton model with physics off): set test_evaluator.1.pose_estimator.checkpoint and
# test_evaluator.1.skeleton_checkpoint (None: off, logged). FVD / CLIP-SIM / PickScore need
# real weights (configs/_base_/datasets/finegym_video.py); random tiny ones would measure nothing
test_evaluator = [
    val_evaluator,
    dict(type='MotionPlausibilityMetric', pose_estimator=pose_estimator,
         skeleton_config='configs/finephys/'
                         'finephys-skeleton_stage1_synthgym_tcn-lifter_complementary.py',
         skeleton_checkpoint=None),
]

model = dict(
    type='FinePhys',
    skeleton=dict(
        type='FinePhysSkeleton',
        lifter=dict(type='TemporalConvLifter', channels=256, num_blocks=3, dropout=0.1),
        physics=dict(type='EulerLagrangeSolver', hidden=128, global_layers=4),
        fuser=dict(type='ComplementaryFuser', window=9, sigma=2.0),
        detach_physics_input=True),
    skeleton_checkpoint=None,
    # joint + limb maps (17 + 16 channels); ControlNet-style residuals on the skips: of the
    # three injections measured at the demo's budget, 100 iterations
    # (docs/benchmarks.md#skeleton-guidance-on-cpu), it followed the skeleton best (T2I-style:
    # _t2i-adapter.py, pose guider: _pose-guider.py)
    heatmaps=dict(type='MultiScaleHeatmapRenderer', image_size=(render_size, render_size),
                  strides=(1, 2), sigma=2.0, min_sigma=0.75, limbs='h36m17'),
    adapter=dict(type='SkeletonAdapter', num_joints=33, block_out_channels=(32, 64),
                 layers_per_block=1, hidden=16, latent_stride=1),
    generator=dict(type='AnimateDiffGenerator',
                   pretrained_model_path='work_dirs/pretrained/synthgym-pixel/sd15',
                   motion_adapter_path='work_dirs/pretrained/synthgym-pixel/motion_adapter',
                   pixel_space=True, spatial_lora=dict(rank=8, alpha=8),
                   temporal_lora=dict(rank=8, alpha=8)),
    # skeleton_weight and train_timesteps: this project's budget extensions (measured; 0 / None
    # give MotionDirector's plain MSE over all timesteps)
    loss=dict(type='MotionDirectorLoss', spatial_weight=1.0, temporal_weight=1.0,
              ad_temporal_weight=1.0, beta=1.0, skeleton_weight=4.0),
    train_skeleton=False, num_inference_steps=10, guidance_scale=3.0, sample_seed=0,
    zero_guidance=False, spatial_skip_prob=0.2, sample_adapters=('temporal',),
    train_timesteps=(200, 1000))

# FinePhys runs its own MotionDirector step (two passes); under dist_train.sh this wrapper calls
# it and averages gradients across ranks before each step ('finephys.': mmengine's runner looks
# the wrapper up in its root registry)
model_wrapper_cfg = dict(type='finephys.TrainStepDistributedDataParallel')

# one AdamW, three groups; the adapter (zero-initialised outputs, few minutes of training)
# learns faster than the LoRA
optim_wrapper = dict(constructor='FinePhysOptimWrapperConstructor', type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=3e-3, weight_decay=0.0),
                     groups=dict(adapter=dict(lr=1e-2)))
param_scheduler = []
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=300, val_interval=100,
                 val_begin=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook', interval=100, by_epoch=False,
                                     max_keep_ckpts=2, save_best=None),
                     logger=dict(type='LoggerHook', interval=10))
log_processor = dict(by_epoch=False)
custom_hooks = [dict(type='SafeCheckpointHook'),
                dict(type='GenerationVisualizationHook', interval=100, num_clips=2)]
