# Real 3D-labelled sequences in the Pose3DNpzDataset layout (Human3.6M, AMASS renders, ...):
# data/h36m/{train,val,test}.npz — see finephys/datasets/pose3d_npz_dataset.py for the arrays.
dataset_type = 'Pose3DNpzDataset'
data_root = 'data/h36m/'
clip_len = 32
train_pipeline = [
    dict(type='SampleFrames', clip_len=clip_len, random=True),
    dict(type='RandomFlipSkeleton', prob=0.5),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='RootRelative3D'),
    dict(type='PackSkeletonInputs'),
]
test_pipeline = [
    dict(type='SampleFrames', clip_len=clip_len, random=False),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='RootRelative3D'),
    dict(type='PackSkeletonInputs'),
]
_loader = dict(batch_size=16, num_workers=2, persistent_workers=True,
               collate_fn=dict(type='default_collate'))
train_dataloader = dict(**_loader, sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=dict(type=dataset_type, data_root=data_root,
                                     ann_file='train.npz', pipeline=train_pipeline))
val_dataloader = dict(**_loader, sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=dict(type=dataset_type, data_root=data_root, ann_file='val.npz',
                                   pipeline=test_pipeline, test_mode=True))
test_dataloader = dict(**_loader, sampler=dict(type='DefaultSampler', shuffle=False),
                       dataset=dict(type=dataset_type, data_root=data_root, ann_file='test.npz',
                                    pipeline=test_pipeline, test_mode=True))
val_evaluator = [dict(type='Pose3DMetric'), dict(type='PhysicsMetric')]
test_evaluator = val_evaluator
