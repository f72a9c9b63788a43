# A small 2D keypoint detector trained on SynthGym renders at the CPU default's generation size
# (32 px). It scores generated video (PCK@0.2 in GuidanceFidelityMetric: detected keypoints vs
# the guidance keypoints) and gives SynthGym video an online-2D path (POSE_ESTIMATORS entry
# HeatmapPoseEstimator with this config and its checkpoint).
#   python tools/train.py configs/pose_estimators/heatmap-pose-net_c16-32-64_synthgym-32px.py
_base_ = ['../_base_/default_runtime.py']

render_size = 32
pipeline = [dict(type='PackSkeletonInputs', input_keys=('video',),
                 target_keys=('keypoints_2d_clean', 'visibility', 'label'))]
dataset = dict(type='SynthGymDataset', num_frames=16, render_size=render_size, data_root=None,
               pipeline=pipeline)
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    sampler=dict(type='ResumableSampler', shuffle=True), collate_fn=dict(type='default_collate'),
    dataset=dict(dataset, split='train', num_samples=256))
val_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'),
    dataset=dict(dataset, split='val', num_samples=32))
test_dataloader = dict(val_dataloader, dataset=dict(dataset, split='test', num_samples=64))
val_evaluator = dict(type='Keypoint2DMetric', alpha=0.2)
test_evaluator = val_evaluator

model = dict(type='KeypointHeatmapModel',
             net=dict(type='HeatmapPoseNet', num_joints=17, channels=(16, 32, 64)),
             target_sigma=1.5, frames_per_clip=16, blur_sigma_max=1.5, noise_std_max=0.1)

optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-3))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, eta_min=1e-4, by_epoch=True)]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=12, val_interval=12)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook', interval=12, max_keep_ckpts=1,
                                     save_best='keypoint_2d/pck', rule='greater'),
                     logger=dict(type='LoggerHook', interval=10))
custom_hooks = [dict(type='SafeCheckpointHook')]
