# Pipelines of the Estimator3DLifter configs: the lifting pipelines plus SimulateEstimator3D (an
# estimator's metric 3D made from SynthGym's truth) packed as the input keypoints_3d_estimator.
estimator3d_pack = dict(type='PackSkeletonInputs',
                        input_keys=('keypoints_2d_norm', 'keypoint_scores',
                                    'keypoints_3d_estimator'))
estimator3d_train_pipeline = [
    dict(type='SampleFrames', clip_len=32, random=True),
    dict(type='RandomFlipSkeleton', prob=0.5),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='RootRelative3D'),
    dict(type='SimulateEstimator3D'),
    estimator3d_pack,
]
estimator3d_test_pipeline = [
    dict(type='SampleFrames', clip_len=32, random=False),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='RootRelative3D'),
    dict(type='SimulateEstimator3D'),
    estimator3d_pack,
]
