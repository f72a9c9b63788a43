# Swap: the TemporalConvLifter baseline instead of the in-context lifter.
_base_ = ['./finephys-skeleton_stage1_synthgym.py']
# (trained as measured: MPJPE + trajectory on S_dd, without the in-context lifter's extra terms)
model = dict(lifter=dict(_delete_=True, type='TemporalConvLifter', num_joints=17, channels=256,
                         num_blocks=3, dropout=0.1, depth_scale=10.0),
             loss_weights=dict(dd_n_mpjpe=0.0, dd_velocity=0.0))
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))   # the TCN's own lr (as measured)
