# The structured config trained on SynthGym **plus real mocap**: Isaac Lab's AMP motions (dance,
# run, walk) and holosoma's climbing mocap, seen by SynthGym's broadcast cameras with its
# detector noise (one .npz written at set-up, read from the wheels tools/setup_env.sh installs;
# nothing committed). DeepMimic's clips stay out of training: they are the real-motion *test*
# set of the physics report (a motion source the model never saw):
#   python tools/dataset_converters/generate_realmotion.py --out data/realmotion/train.npz \
#       --deepmimic --isaaclab dance run walk --holosoma 0 1 2 3 4 --holosoma-stride 48 --seed 1 \
#       --contact-effectors feet
# 396 real-motion clips of 32 frames next to SynthGym's training clips (half and half with the
# demo's 384 SynthGym clips).
_base_ = ['./finephys-skeleton-structured_stage1_synthgym_tcn-lifter.py']
realmotion_train = 'data/realmotion/train.npz'
# one batch mixes both sets: both pack the targets they share (no SynthGym-only COM, action
# labels or camera pose; the mocap's labels are motion indices, not actions), and each clip's
# source_id (its motion: an in-context lifter swapped in is never prompted with its own; the
# TCN does not read it)
mixed_pipeline = [
    dict(type='SampleFrames', clip_len=32, random=True),
    dict(type='RandomFlipSkeleton', prob=0.5),
    dict(type='NormalizeKeypoints2D', mode='camera'),
    dict(type='RootRelative3D'),
    dict(type='PackSkeletonInputs',
         input_keys=('keypoints_2d_norm', 'keypoint_scores', 'source_id'),
         target_keys=('keypoints_3d', 'keypoints_3d_rel', 'root_trajectory', 'keypoints_2d',
                      'contacts', 'flight', 'masses', 'sample_idx', 'fps'),
         camera_keys=('K', 'gravity')),
]
train_dataloader = dict(
    # SynthGym's metainfo (its action classes, labels, clip length) does not apply to the mocap
    dataset=dict(_delete_=True, type='ConcatDataset',
                 ignore_keys=['dataset_name', 'classes', 'subsets', 'labels', 'fps', 'num_frames'],
                 datasets=[
                     dict(type='SynthGymDataset', split='train', num_samples=512, num_frames=48,
                          fps=30.0, seed=0, data_root=None,
                          noise=dict(jitter=0.01, dropout=0.03, swap=0.02),
                          pipeline=mixed_pipeline),
                     dict(type='Pose3DNpzDataset', ann_file=realmotion_train,
                          pipeline=mixed_pipeline),
                 ]))
