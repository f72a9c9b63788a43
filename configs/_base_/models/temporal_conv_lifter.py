model = dict(
    type='PoseLiftingModel',
    lifter=dict(type='TemporalConvLifter', num_joints=17, in_channels=3, channels=256,
                num_blocks=3, dropout=0.1, depth_scale=10.0),
    pose_loss=dict(type='MPJPELoss', loss_weight=1.0),
    trajectory_loss=dict(type='RootTrajectoryLoss', loss_weight=5.0),
)
