# Real 3D-labelled sequences in the Pose3DNpzDataset layout (Human3.6M, AMASS renders, ...):
# data/h36m/{train,val,test}.npz — see finephys/datasets/pose3d_npz_dataset.py for the arrays.
_base_ = ['./skeleton_lifting_pipelines.py']
dataset_type = 'Pose3DNpzDataset'
data_root = 'data/h36m/'
train_pipeline = {{_base_.train_pipeline}}
test_pipeline = {{_base_.test_pipeline}}
_loader = dict(batch_size=16, num_workers=2, persistent_workers=True,
               collate_fn=dict(type='default_collate'))
train_dataloader = dict(**_loader, sampler=dict(type='ResumableSampler', shuffle=True),
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
