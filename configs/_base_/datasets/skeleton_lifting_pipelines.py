# Pipelines shared by every 2D→3D lifting dataset config (SynthGym, Pose3DNpzDataset, ...).
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
