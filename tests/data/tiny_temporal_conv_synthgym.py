# A tiny variant of the baseline lifter config for tool tests: 4 clips/iteration, 2 iterations
# per epoch, clips generated on the fly in the main process.
_base_ = ['../../configs/lifters/temporal-conv_c256-b3_adam-20e_synthgym.py']

num_frames = 12
train_pipeline = [
    dict(type='SampleFrames', clip_len=8, random=True),
    dict(type='RandomFlipSkeleton', prob=0.5),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='RootRelative3D'),
    dict(type='PackSkeletonInputs'),
]
test_pipeline = [
    dict(type='SampleFrames', clip_len=8, random=False),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='RootRelative3D'),
    dict(type='PackSkeletonInputs'),
]
model = dict(lifter=dict(channels=16, num_blocks=1))
_loader = dict(batch_size=4, num_workers=0, persistent_workers=False)
train_dataloader = dict(**_loader, dataset=dict(num_samples=8, num_frames=num_frames,
                                                pipeline=train_pipeline))
val_dataloader = dict(**_loader, dataset=dict(num_samples=4, num_frames=num_frames,
                                              pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=10)]
default_hooks = dict(logger=dict(interval=1))
custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='ParameterSyncCheckHook')]
