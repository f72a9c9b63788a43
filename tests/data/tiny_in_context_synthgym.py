# A tiny variant of the in-context lifter config for tool tests (same data as the tiny TCN one).
_base_ = ['./tiny_temporal_conv_synthgym.py']
model = dict(
    lifter=dict(_delete_=True, type='InContextLifter', dim=16, rep_dim=16, heads=2,
                merge_depth=1, post_merge_depth=1, max_frames=16),
    pose_loss=[dict(type='MPJPELoss'), dict(type='NMPJPELoss', loss_weight=0.5),
               dict(type='VelocityLoss', loss_weight=20.0)])
default_hooks = dict(prompt_pool=dict(num_clips=4))
