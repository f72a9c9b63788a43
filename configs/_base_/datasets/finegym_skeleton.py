# FineGym element clips (gym99) as 2D skeletons only — stage 2 of the skeleton path (no 3D, no
# video). Layout (docs/datasets.md; MMAction2's FineGym preparation + PYSKL's skeletons):
#   data/finegym/annotations/gym99_train_element_v1.1.txt, gym99_val_element.txt,
#   data/finegym/annotations/gym99_categories.txt
#   data/finegym/gym_hrnet.pkl     (PYSKL, or tools/dataset_converters/extract_finegym_skeletons.py)
data_root = 'data/finegym'
subset = 'FX-JUMP'
clip_len = 32
train_pipeline = [
    dict(type='SampleFrames', clip_len=clip_len, random=True),
    dict(type='RandomFlipSkeleton', prob=0.5),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='PackSkeletonInputs', input_keys=('keypoints_2d_norm', 'keypoint_scores'),
         target_keys=('keypoints_2d', 'keypoint_scores', 'label', 'sample_idx', 'fps')),
]
val_pipeline = [dict(train_pipeline[0], random=False)] + train_pipeline[2:]
_dataset = dict(type='FineGymSkeletonDataset', subset=subset, min_frames=clip_len,
                categories_file=f'{data_root}/annotations/gym99_categories.txt',
                skeleton_file=f'{data_root}/gym_hrnet.pkl')
_loader = dict(batch_size=16, num_workers=2, persistent_workers=True,
               collate_fn=dict(type='default_collate'))
train_dataloader = dict(
    **_loader, sampler=dict(type='ResumableSampler', shuffle=True),
    dataset=dict(_dataset, ann_file=f'{data_root}/annotations/gym99_train_element_v1.1.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    **_loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, ann_file=f'{data_root}/annotations/gym99_val_element.txt',
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = val_dataloader
# no 3D labels: how well the 3D explains the detected 2D (pixels), and its jitter / bone drift
val_evaluator = dict(type='Reprojection2DMetric')
test_evaluator = val_evaluator
