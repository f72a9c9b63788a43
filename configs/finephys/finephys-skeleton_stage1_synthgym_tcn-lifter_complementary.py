# Swap: TemporalConvLifter + ComplementaryFuser (S = S_pp + LowPass(S_dd - S_pp)) instead of the
# per-frame learned gate.
_base_ = ['./finephys-skeleton_stage1_synthgym_tcn-lifter.py']
model = dict(fuser=dict(_delete_=True, type='ComplementaryFuser', num_joints=17, window=9,
                        sigma=2.0))
