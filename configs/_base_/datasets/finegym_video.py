# FineGym element clips (gym99) for stage 3: trimmed videos + PYSKL 2D skeletons + category text.
# Layout (MMAction2's FineGym preparation + PYSKL's skeleton release):
#   data/finegym/annotations/gym99_train_element_v1.1.txt, gym99_val_element.txt,
#   data/finegym/annotations/gym99_categories.txt (docs/datasets.md)
#   data/finegym/subactions/<clip_id>.mp4
#   data/finegym/gym_hrnet.pkl
data_root = 'data/finegym'
subset = 'FX-JUMP'
clip_len = 16
frame_size = 512
train_pipeline = [
    dict(type='SampleFrames', clip_len=clip_len, stride=2, random=True),
    dict(type='LoadVideoFrames'),
    dict(type='SkeletonCropResize', size=frame_size, padding=1.25),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='PackSkeletonInputs', input_keys=('keypoints_2d_norm', 'keypoint_scores', 'video'),
         target_keys=('text', 'fps', 'label', 'sample_idx')),
]
val_pipeline = [dict(train_pipeline[0], random=False)] + train_pipeline[1:]
_dataset = dict(type='FineGymVideoDataset', subset=subset, min_frames=(clip_len - 1) * 2 + 1,
                categories_file=f'{data_root}/annotations/gym99_categories.txt',
                skeleton_file=f'{data_root}/gym_hrnet.pkl',
                data_prefix=dict(video=f'{data_root}/subactions'))
train_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='ResumableSampler', shuffle=True), collate_fn=dict(type='default_collate'),
    dataset=dict(_dataset, ann_file=f'{data_root}/annotations/gym99_train_element_v1.1.txt',
                 pipeline=train_pipeline))
# val samples videos (slow): a few clips only
val_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'),
    dataset=dict(_dataset, ann_file=f'{data_root}/annotations/gym99_val_element.txt',
                 indices=4, pipeline=val_pipeline))
test_dataloader = dict(val_dataloader, dataset=dict(val_dataloader['dataset'], indices=None))
val_evaluator = dict(type='GuidanceFidelityMetric')
# tools/test.py: the paper's Table 1 metrics + PSNR, from local weights (docs/evaluation.md says
# where each comes from; a missing file stops the run before sampling, naming it)
video_metrics = [
    dict(type='GuidanceFidelityMetric'),
    dict(type='CLIPSimMetric', clip_path='data/pretrained/clip-vit-large-patch14'),
    dict(type='PickScoreMetric', model_path='data/pretrained/PickScore_v1',
         processor_path='data/pretrained/CLIP-ViT-H-14-laion2B-s32B-b79K'),
    dict(type='FVDMetric', i3d_checkpoint='data/pretrained/i3d/i3d_torchscript.pt'),
]
# motion plausibility of the generated videos: BlazePose (weights in its pip wheel) + the
# subset's stage-2 skeleton model, physics off; each stage-3 config names its skeleton
motion_plausibility = dict(type='MotionPlausibilityMetric',
                           pose_estimator=dict(type='MediaPipePoseEstimator'))
test_evaluator = video_metrics
