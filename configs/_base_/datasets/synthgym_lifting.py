# SynthGym 2D→3D lifting: noisy detector-like 2D in, camera-frame 3D (with trajectory) out.
_base_ = ['./skeleton_lifting_pipelines.py']
dataset_type = 'SynthGymDataset'
num_frames = 48
# data_root: a cache from tools/dataset_converters/generate_synthgym.py (None: on the fly)
synthgym = dict(type=dataset_type, num_frames=num_frames, fps=30.0, seed=0, data_root=None,
                noise=dict(jitter=0.01, dropout=0.03, swap=0.02))

train_pipeline = {{_base_.train_pipeline}}
test_pipeline = {{_base_.test_pipeline}}

train_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True,
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(**synthgym, split='train', num_samples=512, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(**synthgym, split='val', num_samples=64, pipeline=test_pipeline,
                 test_mode=True))
test_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(**synthgym, split='test', num_samples=64, pipeline=test_pipeline,
                 test_mode=True))
val_evaluator = dict(type='Pose3DMetric')
test_evaluator = val_evaluator
