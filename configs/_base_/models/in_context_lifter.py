# Skeleton-in-Context lifter (DSTformer; prompt and query apart for n1 layers, merged, n2 more),
# trained with MotionBERT's / SiC's loss: MPJPE + 0.5 N-MPJPE + 20 velocity on the query half,
# plus the root-trajectory term. The prompt pool comes from the training set (PromptPoolHook in
# default_runtime.py) and is saved in the checkpoint.
model = dict(
    type='PoseLiftingModel',
    lifter=dict(type='InContextLifter', num_joints=17, dim=32, rep_dim=64, heads=4,
                mlp_ratio=4.0, merge_depth=2, post_merge_depth=3, max_frames=128,
                task_prompt='mean', train_prompt='random', test_prompt='nearest',
                depth_scale=10.0),
    pose_loss=[dict(type='MPJPELoss', loss_weight=1.0),
               dict(type='NMPJPELoss', loss_weight=0.5),
               dict(type='VelocityLoss', loss_weight=20.0)],
    trajectory_loss=dict(type='RootTrajectoryLoss', loss_weight=5.0),
)
