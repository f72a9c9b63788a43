# Swap: the sequential (loop) rollout instead of the closed-form parallel one (same result).
_base_ = ['./finephys-skeleton_stage1_synthgym.py']
model = dict(physics=dict(rollout='sequential'))
